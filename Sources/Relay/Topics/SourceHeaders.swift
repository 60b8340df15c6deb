public import Kafka

/// Makes the source headers of published records (``DeadLetter/Header/sourceTopic``,
/// ``DeadLetter/Header/sourcePartition``, ``DeadLetter/Header/sourceOffset``), the same bytes as
/// ``DeadLetter/sourceHeaders(of:)``, with the topic's and the partitions' values made once: a
/// record's headers then cost one array and its offset's digits, not four allocations.
///
/// One per relay loop; the relay publishes every record it keeps with these headers, so they
/// are on its per-record path.
public struct SourceHeaders: Sendable {
    private var topic: (name: String, value: [UInt8])?
    private var partitions: [[UInt8]] = []

    /// An empty cache.
    public init() {}

    /// The source headers of `message`, in the order ``DeadLetter/sourceHeaders(of:)`` writes them.
    public mutating func headers(of message: KafkaMessage) -> [KafkaHeader] {
        [
            KafkaHeader(name: DeadLetter.Header.sourceTopic, value: topicValue(message.topic)),
            KafkaHeader(name: DeadLetter.Header.sourcePartition, value: partitionValue(message.partition)),
            KafkaHeader(name: DeadLetter.Header.sourceOffset, string: String(message.offset.rawValue)),
        ]
    }

    /// The topic's name as header bytes; a batch is mostly one topic, so the last one is kept.
    private mutating func topicValue(_ name: String) -> [UInt8] {
        if let topic, topic.name == name { return topic.value }
        let value = Array(name.utf8)
        topic = (name, value)
        return value
    }

    /// The partition's number in decimal, made once per partition.
    private mutating func partitionValue(_ partition: KafkaPartition) -> [UInt8] {
        let index = Int(partition.rawValue)
        guard index >= 0, index < Self.cachedPartitions else { return Array(partition.description.utf8) }
        while partitions.count <= index { partitions.append(Array(String(partitions.count).utf8)) }
        return partitions[index]
    }

    /// Partitions above this many are rare enough to be written each time.
    private static let cachedPartitions = 4096
}
