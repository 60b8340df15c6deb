public import Kafka

/// Why the relay stopped. Each message is one line naming what is wrong and the fix.
public struct RelayError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, which decides the daemon's exit status (a topology error is not restarted).
    public enum Kind: Sendable, Equatable {
        /// The output topic exists and is not `cleanup.policy=compact`.
        case outputNotCompacted
        /// A topic the relay made exists in a shape it cannot use (the repartition topic of
        /// `input.keying: any` with another partition count than the output).
        case topicMismatch
        /// A topic the relay needs is missing and may not (or could not) be created.
        case topicMissing
        /// librdkafka raised a fatal error (a fenced producer included).
        case fatalKafka
        /// At-least-once mode: records were not delivered; restarting replays them safely.
        case deliveryFailed
        /// Another member joined the group under this instance's `group.instance.id`: two
        /// instances share one (a configuration error a restart would only repeat).
        case duplicateInstance
        /// Something else the relay cannot go on with.
        case other
    }

    /// What went wrong.
    public var kind: Kind
    /// One line naming what is wrong and the fix.
    public var message: String
    /// The Kafka error behind it, if any.
    public var underlying: KafkaError?

    /// An error of `kind` with `message`, and the Kafka error behind it if there is one.
    public init(_ kind: Kind, _ message: String, underlying: KafkaError? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    /// The ``message``.
    public var description: String { message }
}
