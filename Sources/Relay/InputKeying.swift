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

/// Which part of the pipeline a ``RelayLoop`` runs.
enum RelayStage: Sendable {
    /// Decode, deduplicate, publish to the output: the whole relay for keyed input, the second
    /// stage for unkeyed input.
    case relay
    /// Re-key each input record by job_id into the repartition topic; dead-letter what does
    /// not decode. No table, no output.
    case repartition
    /// The relay, reading the repartition topic: what it publishes carries the input record's
    /// coordinates (`jobstatusd.origin.*`) as well as the repartition record's.
    case relayOfRepartition
}
