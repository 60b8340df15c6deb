import Kafka

/// A record of the repartition topic (`input.keying: any`): the input record's value and
/// headers unchanged, keyed by its job_id, with the input record's coordinates added. The relay
/// stage copies those onto what it publishes, so the output still says where a status came from.
public enum RepartitionRecord {
    /// Header names, part of the public contract (on repartition records, and on the output
    /// records and dead letters made from them).
    public enum Header {
        /// The input topic of the original record.
        public static let originTopic = "jobstatusd.origin.topic"
        /// The input partition of the original record, in decimal.
        public static let originPartition = "jobstatusd.origin.partition"
        /// The offset of the original record in its partition, in decimal.
        public static let originOffset = "jobstatusd.origin.offset"
        /// The input record's timestamp (milliseconds since the epoch), when it has one: the
        /// repartition topic stamps records with their append time, and the relay stage measures
        /// end-to-end latency from the producer's.
        public static let originTimestamp = "jobstatusd.origin.timestamp"
    }

    /// The record to produce to the repartition topic `topic` for input record `message`.
    static func make(from message: KafkaMessage, jobID: String, topic: String) -> KafkaOutgoingMessage {
        KafkaOutgoingMessage(
            topic: topic, key: Array(jobID.utf8), value: message.value,
            headers: message.headers + [
                KafkaHeader(name: Header.originTopic, string: message.topic),
                KafkaHeader(name: Header.originPartition, string: message.partition.description),
                KafkaHeader(name: Header.originOffset, string: String(message.offset.rawValue)),
            ]
                + (message.timestampMilliseconds.map { [KafkaHeader(name: Header.originTimestamp, string: String($0))] }
                    ?? []),
            timestampMilliseconds: message.timestampMilliseconds)
    }

    /// The input record a repartition record was made from (the last header of each name).
    static func origin(of message: KafkaMessage) -> SourceCoordinate? {
        DeadLetter.coordinates(
            in: message, topic: Header.originTopic, partition: Header.originPartition, offset: Header.originOffset
        ).map { SourceCoordinate(partition: $0.0, offset: $0.1) }
    }

    /// The timestamp of the input record a repartition record was made from.
    static func originTimestamp(of message: KafkaMessage) -> Int64? {
        DeadLetter.currentHeader(Header.originTimestamp, of: message).flatMap { Int64($0) }
    }

    /// The origin headers of a repartition record (the last of each name, as for source headers).
    static func originHeaders(in message: KafkaMessage) -> [KafkaHeader] {
        [Header.originTopic, Header.originPartition, Header.originOffset].compactMap { name in
            message.headers.last { $0.name == name }
        }
    }
}
