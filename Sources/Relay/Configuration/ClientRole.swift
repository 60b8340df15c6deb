/// The Kafka clients jobstatusd makes. Each takes `kafka.*` with `kafka.<role>.*` on top
/// (`kafka.consumer.fetch.max.bytes`, `kafka.producer.linger.ms`, ...) and a `client.id`
/// naming the instance and the role, unless one is set.
public enum ClientRole: String, Sendable, CaseIterable {
    /// Consumers (`kafka.consumer.*`): the input's, and the readers of the output and dead-letter
    /// topics (the restore, `get`, `watch`, the monitor).
    case consumer
    /// Producers (`kafka.producer.*`): the relay's (output records, dead letters, repartition
    /// records), and those of `demo` and `replay-dead-letters`.
    case producer
    /// Admin clients (`kafka.admin.*`): topic checks and creation, the connection check.
    case admin
}
