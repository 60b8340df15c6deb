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
    public init(_ topic: String, _ partition: KafkaPartition, _ offset: Int64) {
        self.topicPartition = TopicPartition(topic, partition)
        self.offset = KafkaOffset(rawValue: offset)
    }

    /// `topic[partition]@offset`, e.g. `jobs[3]@42`.
    public var description: String { "\(topicPartition)@\(offset)" }
}
