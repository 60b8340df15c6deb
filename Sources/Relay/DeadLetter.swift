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
    }

    /// The record to produce to `topic`.
    public static func make(for message: KafkaMessage, error: InvalidEvent, topic: String) -> KafkaOutgoingMessage {
        var headers = message.headers
        headers.append(KafkaHeader(name: Header.reason, string: error.reason.code))
        headers.append(KafkaHeader(name: Header.message, string: error.description))
        headers += sourceHeaders(of: message)
        return KafkaOutgoingMessage(topic: topic, key: message.key, value: message.value, headers: headers)
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
    public static func source(of message: KafkaMessage) -> (TopicPartition, KafkaOffset)? {
        guard let topic = message.header(Header.sourceTopic)?.stringValue,
            let partition = message.header(Header.sourcePartition)?.stringValue.flatMap({ Int32($0) }),
            let offset = message.header(Header.sourceOffset)?.stringValue.flatMap({ Int64($0) })
        else { return nil }
        return (TopicPartition(topic, partition), KafkaOffset(rawValue: offset))
    }
}
