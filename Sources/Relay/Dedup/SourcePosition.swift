public import Kafka

/// Where a published record came from: an input topic (by its index in `input.topics`),
/// partition and offset.
///
/// A job's records all go to one output partition, in order, so if the output holds a
/// job's record from input offset N, every record of that job *before* N in the same input
/// partition was handled (published before it, or dropped): a replay of one of them is a
/// duplicate, even when it left no output of its own. Without this, a replayed event that
/// was dropped the first time (an equal-rank "RUNNING 0.25" after "RUNNING 0.75") would be
/// judged against a later state and published.
public struct SourcePosition: Hashable, Sendable {
    /// The input topic, by its index in `input.topics`.
    public var topicIndex: Int16
    /// The input partition.
    public var partition: KafkaPartition
    /// The record's offset in that partition.
    public var offset: KafkaOffset

    /// The position of the record at `offset` of partition `partition` of input topic `topicIndex`.
    public init(topicIndex: Int16, partition: KafkaPartition, offset: KafkaOffset) {
        self.topicIndex = topicIndex
        self.partition = partition
        self.offset = offset
    }

    /// Whether the record at `offset` of the same topic and partition comes at or before this one.
    public func covers(topicIndex: Int16, partition: KafkaPartition, offset: KafkaOffset) -> Bool {
        self.topicIndex == topicIndex && self.partition == partition && offset <= self.offset
    }
}
