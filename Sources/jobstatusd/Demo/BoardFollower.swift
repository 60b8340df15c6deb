import Kafka

/// Follows the output topic as a downstream monitor would, for the live view.
final class BoardFollower: @unchecked Sendable {
    // @unchecked: used from the demo's single task only.
    private let consumer: KafkaConsumer
    private(set) var board = JobBoard()

    init(reader: OutputTopicReader, partitions: Int32) throws {
        consumer = try reader.makeConsumer()
        try consumer.assign(
            KafkaPartition.all(count: partitions).map {
                TopicPartitionOffset(TopicPartition(reader.topic, $0), .beginning)
            })
    }

    func close() async {
        await consumer.close()
    }

    func poll() async {
        if case .messages(let batch) = await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100)) {
            for message in batch { board.apply(message) }
        }
    }
}
