import Kafka

/// What the broker (or librdkafka) refused for good, for a record that comes round again.
struct RefusedOutput: Equatable {
    /// The dead letter was refused too: the next one goes without the value.
    var deadLetterRefused: Bool
    var error: KafkaError
}
