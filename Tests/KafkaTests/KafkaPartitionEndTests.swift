import CRdKafka
import TestSupport
import Testing

@testable import Kafka

/// Partition ends as fetch responses report them (`enable.partition.eof`): what a restore reads up to.
@Suite("Kafka partition ends", .timeLimit(.minutes(2)))
struct KafkaPartitionEndTests {
    func reader(_ cluster: TestBroker) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: cluster.configuration().reader(groupID: TestBroker.uniqueName("end"), reportingEnds: true),
            logger: cluster.logger)
    }

    /// How many events (records, partition ends, errors) librdkafka holds for `consumer`, not yet polled.
    static func queuedEvents(_ consumer: KafkaConsumer) -> Int {
        guard let queue = rd_kafka_queue_get_consumer(consumer.client.handle) else { return -1 }
        defer { rd_kafka_queue_destroy(queue) }
        return Int(rd_kafka_queue_length(queue))
    }

    /// Reads until the partition's end event; returns the records and the end offset.
    func readToEnd(_ consumer: KafkaConsumer) async throws -> (records: Int, end: Int64) {
        var records = 0
        while true {
            switch await consumer.poll(maxMessages: 10_000, timeout: .seconds(1)) {
            case .messages(let batch): records += batch.count
            case .endOfPartition(let end): return (records, end.offset.rawValue)
            case .error(let error) where error.isFatal: throw error
            case .error, .rebalance: continue
            }
        }
    }

    @Test func anEmptyPartitionEndsAtZeroAndAFullOneAtItsEnd() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("ends")
        try await cluster.createTopic(topic, partitions: 1)
        let consumer = try reader(cluster)
        try consumer.assign([TopicPartitionOffset(TopicPartition(topic, 0), .beginning)])
        #expect(try await readToEnd(consumer) == (0, 0))
        try await cluster.produce(
            (0..<25).map { _ in KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [1]) })
        try consumer.assign([TopicPartitionOffset(TopicPartition(topic, 0), .beginning)])
        #expect(try await readToEnd(consumer) == (25, 25))
        await consumer.close()
    }

    /// Issue 10 review: an end event buffered from one read must not end the next read, after
    /// a new assignment, before it read what was written meanwhile.
    @Test func anEndFromAnEarlierAssignmentDoesNotEndTheNextRead() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("stale-end")
        try await cluster.createTopic(topic, partitions: 1)
        try await cluster.produce(
            (0..<40).map { _ in KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [1]) })
        let consumer = try reader(cluster)
        let partition = TopicPartition(topic, 0)
        try consumer.assign([TopicPartitionOffset(partition, .beginning)])
        // Records and end must come out of librdkafka in one poll, so that the end stays
        // buffered in the consumer: 30 records first, then, once librdkafka holds the other 10
        // and the end behind them (it queues the end on the fetch after the one that brought
        // the last records), everything in one poll.
        var read = 0
        try await waitUntil("the first 30 records read", timeout: .seconds(30)) {
            if case .messages(let batch) = await consumer.poll(maxMessages: 30 - read, timeout: .milliseconds(200)) {
                read += batch.count
            }
            return read == 30
        }
        try await waitUntil("librdkafka holds the last 10 records and the end", timeout: .seconds(30)) {
            Self.queuedEvents(consumer) >= 11
        }
        guard case .messages(let rest) = await consumer.poll(maxMessages: 10_000, timeout: .seconds(1)) else {
            Issue.record("expected the last 10 records")
            return
        }
        #expect(rest.count == 10, "the end stays behind in the consumer")
        try await cluster.produce(
            (0..<6).map { _ in KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [2]) })
        try consumer.assign([TopicPartitionOffset(partition, KafkaOffset(rawValue: 40))])
        let (records, end) = try await readToEnd(consumer)
        #expect(records == 6 && end == 46, "read \(records) records to \(end)")
        await consumer.close()
    }
}
