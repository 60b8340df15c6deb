/// The Kafka clients jobstatusd makes. Each takes `kafka.*` with `kafka.<role>.*` on top
/// (`kafka.consumer.fetch.max.bytes`, `kafka.producer.linger.ms`, ...) and a `client.id`
/// naming the instance and the role, unless one is set.
public enum ClientRole: String, Sendable, CaseIterable {
    case consumer
    case producer
    case admin
}
