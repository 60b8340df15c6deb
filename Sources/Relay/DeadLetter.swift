public import JobStatus
public import Kafka

/// The dead-letter record for an invalid input record (DESIGN.md section 3):
/// the original key, value and headers untouched, plus why and where from.
public enum DeadLetter {
    /// Header names, part of the public contract.
    public enum Header {
        public static let reason = "jobstatusd.error.reason"
        public static let message = "jobstatusd.error.message"
        public static let sourceTopic = "jobstatusd.source.topic"
        public static let sourcePartition = "jobstatusd.source.partition"
        public static let sourceOffset = "jobstatusd.source.offset"
        /// Present when the dead letter carries no value because the one with it was refused.
        public static let valueOmitted = "jobstatusd.error.value-omitted"
    }

    /// The record to produce to `topic`.
    /// - Parameter valueOmittedBecause: set when the dead letter *with* the value was refused
    ///   (too large for the producer or the broker): the dead letter then goes without the
    ///   value, with this reason in `jobstatusd.error.value-omitted`; the source headers still
    ///   lead to the original record in the input topic.
    public static func make(
        for message: KafkaMessage, error: InvalidEvent, topic: String, valueOmittedBecause: String? = nil
    ) -> KafkaOutgoingMessage {
        var headers = message.headers
        headers.append(KafkaHeader(name: Header.reason, string: error.reason.code))
        headers.append(KafkaHeader(name: Header.message, string: error.description))
        if let valueOmittedBecause {
            headers.append(KafkaHeader(name: Header.valueOmitted, string: valueOmittedBecause))
        }
        headers += sourceHeaders(of: message)
        let value = valueOmittedBecause == nil ? message.value : nil
        return KafkaOutgoingMessage(topic: topic, key: message.key, value: value, headers: headers)
    }

    /// The headers naming a record's source (put on published records too).
    public static func sourceHeaders(of message: KafkaMessage) -> [KafkaHeader] {
        [
            KafkaHeader(name: Header.sourceTopic, string: message.topic),
            KafkaHeader(name: Header.sourcePartition, string: String(message.partition)),
            KafkaHeader(name: Header.sourceOffset, string: String(message.offset.rawValue)),
        ]
    }

    /// The source coordinates a dead letter or a published record carries, if it has them.
    /// The *last* header of each name counts: a dead letter re-injected into the input and
    /// dead-lettered again keeps its old headers first, and its new coordinates last.
    public static func source(of message: KafkaMessage) -> (TopicPartition, KafkaOffset)? {
        guard let topic = lastHeader(Header.sourceTopic, of: message),
            let partition = lastHeader(Header.sourcePartition, of: message).flatMap({ Int32($0) }),
            let offset = lastHeader(Header.sourceOffset, of: message).flatMap({ Int64($0) })
        else { return nil }
        return (TopicPartition(topic, partition), KafkaOffset(rawValue: offset))
    }

    private static func lastHeader(_ name: String, of message: KafkaMessage) -> String? {
        message.headers.last { $0.name == name }?.stringValue
    }
}
