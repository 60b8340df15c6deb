/// A partition of a topic.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition's number, from 0.
    public var partition: KafkaPartition

    /// Partition `partition` of `topic`.
    public init(_ topic: String, _ partition: KafkaPartition) {
        self.topic = topic
        self.partition = partition
    }

    /// Orders by topic, then partition.
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// `topic[partition]`, e.g. `jobs[3]`.
    public var description: String { "\(topic)[\(partition)]" }
}
