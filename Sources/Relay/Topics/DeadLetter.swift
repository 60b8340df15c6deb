public import JobStatus
public import Kafka

/// The dead-letter record for an invalid input record (DESIGN.md section 3):
/// the original key, value and headers untouched, plus why and where from.
public enum DeadLetter {
    /// Header names, part of the public contract.
    public enum Header {
        /// The ``InvalidReason`` code, e.g. `invalid_json`.
        public static let reason = "jobstatusd.error.reason"
        /// The ``InvalidEvent``'s description: what exactly is wrong, and where in the value when known.
        public static let message = "jobstatusd.error.message"
        /// The input topic of the original record.
        public static let sourceTopic = "jobstatusd.source.topic"
        /// The input partition of the original record, in decimal.
        public static let sourcePartition = "jobstatusd.source.partition"
        /// The offset of the original record in its partition, in decimal.
        public static let sourceOffset = "jobstatusd.source.offset"
        /// Present when the dead letter carries no value because the one with it was refused.
        public static let valueOmitted = "jobstatusd.error.value-omitted"
    }

    /// The Kafka Connect dead-letter headers (`errors.deadletterqueue.context.headers.enable`),
    /// written as well when `dlq.connect-headers` is on, so that tools made for Connect's DLQs
    /// read jobstatusd's too.
    public enum ConnectHeader {
        /// The input topic of the original record.
        public static let topic = "__connect.errors.topic"
        /// The input partition of the original record, in decimal.
        public static let partition = "__connect.errors.partition"
        /// The offset of the original record, in decimal.
        public static let offset = "__connect.errors.offset"
        /// Always `jobstatusd`.
        public static let connectorName = "__connect.errors.connector.name"
        /// `PRODUCE` for ``InvalidReason/outputRejected``, else `VALUE_CONVERTER`.
        public static let stage = "__connect.errors.stage"
        /// `jobstatusd.<reason code>`, e.g. `jobstatusd.invalid_json`, so Connect tools can group by it.
        public static let exceptionClass = "__connect.errors.exception.class.name"
        /// The same text as `jobstatusd.error.message`.
        public static let exceptionMessage = "__connect.errors.exception.message"
    }

    /// The record to produce to `topic`.
    /// - Parameters:
    ///   - valueOmittedBecause: set when the dead letter *with* the value was refused (too
    ///     large for the producer or the broker): the dead letter then goes without the value,
    ///     with this reason in `jobstatusd.error.value-omitted`; the source headers still lead
    ///     to the original record in the input topic.
    ///   - connectHeaders: also write Kafka Connect's `__connect.errors.*` headers.
    public static func make(
        for message: KafkaMessage, error: InvalidEvent, topic: String, valueOmittedBecause: String? = nil,
        connectHeaders: Bool = false
    ) -> KafkaOutgoingMessage {
        var headers = message.headers
        headers.append(KafkaHeader(name: Header.reason, string: error.reason.code))
        headers.append(KafkaHeader(name: Header.message, string: error.description))
        if let valueOmittedBecause {
            headers.append(KafkaHeader(name: Header.valueOmitted, string: valueOmittedBecause))
        }
        headers += sourceHeaders(of: message)
        if connectHeaders { headers += Self.connectHeaders(of: message, error: error) }
        let value = valueOmittedBecause == nil ? message.value : nil
        return KafkaOutgoingMessage(topic: topic, key: message.key, value: value, headers: headers)
    }

    /// The headers naming a record's source (put on published records too).
    public static func sourceHeaders(of message: KafkaMessage) -> [KafkaHeader] {
        [
            KafkaHeader(name: Header.sourceTopic, string: message.topic),
            KafkaHeader(name: Header.sourcePartition, string: message.partition.description),
            KafkaHeader(name: Header.sourceOffset, string: String(message.offset.rawValue)),
        ]
    }

    /// Connect's names for the same facts: where from, which stage failed, and why (the reason
    /// code as the "exception class", so Connect tools can group by it).
    static func connectHeaders(of message: KafkaMessage, error: InvalidEvent) -> [KafkaHeader] {
        [
            KafkaHeader(name: ConnectHeader.topic, string: message.topic),
            KafkaHeader(name: ConnectHeader.partition, string: message.partition.description),
            KafkaHeader(name: ConnectHeader.offset, string: String(message.offset.rawValue)),
            KafkaHeader(name: ConnectHeader.connectorName, string: "jobstatusd"),
            KafkaHeader(
                name: ConnectHeader.stage, string: error.reason == .outputRejected ? "PRODUCE" : "VALUE_CONVERTER"),
            KafkaHeader(name: ConnectHeader.exceptionClass, string: "jobstatusd.\(error.reason.code)"),
            KafkaHeader(name: ConnectHeader.exceptionMessage, string: error.description),
        ]
    }

    /// The source coordinates a dead letter or a published record carries, if it has them.
    /// The *last* header of each name counts: a dead letter re-injected into the input and
    /// dead-lettered again keeps its old headers first, and its new coordinates last.
    public static func source(of message: KafkaMessage) -> (TopicPartition, KafkaOffset)? {
        coordinates(
            in: message, topic: Header.sourceTopic, partition: Header.sourcePartition, offset: Header.sourceOffset)
    }

    /// The record coordinates three headers of `message` name (the current value of each).
    static func coordinates(
        in message: KafkaMessage, topic topicHeader: String, partition partitionHeader: String,
        offset offsetHeader: String
    ) -> (TopicPartition, KafkaOffset)? {
        guard let topic = currentHeader(topicHeader, of: message),
            let partition = currentHeader(partitionHeader, of: message).flatMap({ Int32($0) }).map(
                KafkaPartition.init(rawValue:)),
            let offset = currentHeader(offsetHeader, of: message).flatMap({ Int64($0) })
        else { return nil }
        return (TopicPartition(topic, partition), KafkaOffset(rawValue: offset))
    }

    /// The current value of header `name`: the last one, since a dead letter re-injected and
    /// dead-lettered again keeps its old headers first.
    public static func currentHeader(_ name: String, of message: KafkaMessage) -> String? {
        message.headers.last { $0.name == name }?.stringValue
    }
}
