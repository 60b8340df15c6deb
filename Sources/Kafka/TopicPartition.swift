/// A partition of a topic.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition's number, from 0.
    public var partition: Int32

    /// Partition `partition` of `topic`.
    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Let librdkafka's partitioner choose (`RD_KAFKA_PARTITION_UA`).
    public static let unassignedPartition: Int32 = -1

    /// Orders by topic, then partition.
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// `topic[partition]`, e.g. `jobs[3]`.
    public var description: String { "\(topic)[\(partition)]" }
}

/// A partition and an offset in it: what is committed, or where to seek.
public struct TopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    /// The partition.
    public var topicPartition: TopicPartition
    /// The offset: a position, or a logical offset such as ``KafkaOffset/end``.
    public var offset: KafkaOffset

    /// `offset` in `topicPartition`.
    public init(_ topicPartition: TopicPartition, _ offset: KafkaOffset) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    /// The position `offset` (a raw value) in partition `partition` of `topic`.
    public init(_ topic: String, _ partition: Int32, _ offset: Int64) {
        self.topicPartition = TopicPartition(topic, partition)
        self.offset = KafkaOffset(rawValue: offset)
    }

    /// `topic[partition]@offset`, e.g. `jobs[3]@42`.
    public var description: String { "\(topicPartition)@\(offset)" }
}
