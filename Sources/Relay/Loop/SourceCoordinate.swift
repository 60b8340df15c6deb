import Kafka

/// An input record's place: topic, partition, offset.
struct SourceCoordinate: Hashable {
    var partition: TopicPartition
    var offset: KafkaOffset

    init(_ message: KafkaMessage) {
        partition = message.topicPartition
        offset = message.offset
    }

    init(partition: TopicPartition, offset: KafkaOffset) {
        self.partition = partition
        self.offset = offset
    }
}
