/// What ``KafkaConsumer/poll(maxMessages:timeout:)`` returns.
public enum KafkaConsumerEvent: Sendable, Equatable {
    /// Records in partition order; empty when the timeout passed with nothing to read.
    case messages([KafkaMessage])
    /// The group changes this consumer's assignment (applied on the next poll).
    case rebalance(KafkaRebalance)
    /// A consumer error; fatal ones have ``KafkaError/isFatal`` set.
    case error(KafkaError)
    /// The consumer has read everything in this partition as of its last fetch response: the
    /// offset is the partition's end then (the last stable offset under `read_committed`). Only
    /// with `enable.partition.eof=true`; a reader that must reach "the end as of now" waits for it.
    case endOfPartition(TopicPartitionOffset)
}
