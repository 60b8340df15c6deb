/// `input.keying`: how producers key the input, which decides how instances share it.
public struct InputKeying: Hashable, Sendable, CustomStringConvertible {
    enum Value: Hashable, Sendable {
        case jobID, any
    }
    let value: Value

    /// Input keyed by job_id with murmur2 (the default): the relay reads it directly, and with
    /// as many input as output partitions each instance restores only its own.
    public static let jobID = InputKeying(value: .jobID)
    /// Null keys or keys of the producer's own: a first stage re-keys every record by job_id
    /// into the internal topic `<group>-repartition` (murmur2, the output's partition count), in
    /// the same transaction as its input offsets, and the relay reads that topic, aligned by
    /// construction (what Kafka Streams does with repartition topics). Exactly-once only.
    public static let any = InputKeying(value: .any)

    /// The setting's value: `job-id` or `any`.
    public var description: String { value == .jobID ? "job-id" : "any" }
}
