import CRdKafka

/// The version of the librdkafka this process runs with.
public enum LibrdkafkaVersion {
    /// e.g. `2.0.2`.
    public static var current: String { String(cString: rd_kafka_version_str()) }
    /// `0xMMmmrrxx`, as `rd_kafka_version()` returns it (2.0.2 is `0x020002ff`).
    public static var number: Int32 { rd_kafka_version() }
}
