extension Duration {
    /// Whole milliseconds (rounded down): what librdkafka's `*.ms` properties and Kafka
    /// timestamps count in.
    public var wholeMilliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
