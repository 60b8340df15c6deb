import CRdKafka
import TestSupport
import Testing

@testable import Kafka

/// Partition ends as fetch responses report them (`enable.partition.eof`), read by
/// ``PartitionEndReader``: what a restore reads up to.
@Suite("Kafka partition ends", .timeLimit(.minutes(2)))
struct KafkaPartitionEndTests {
    func reader(_ cluster: TestBroker) throws -> PartitionEndReader {
        try PartitionEndReader(
            configuration: cluster.configuration(), groupID: TestBroker.uniqueName("end"), logger: cluster.logger)
    }

    /// How many events (records, partition ends, errors) librdkafka holds for `consumer`, not yet polled.
    static func queuedEvents(_ consumer: KafkaConsumer) -> Int {
        guard let queue = rd_kafka_queue_get_consumer(consumer.client.handle) else { return -1 }
        defer { rd_kafka_queue_destroy(queue) }
        return Int(rd_kafka_queue_length(queue))
    }

    /// Reads `partition` to its end; returns the records read and where the reader then stands.
    func readToEnd(
        _ reader: PartitionEndReader, _ partition: TopicPartition
    ) async throws -> (records: Int, end: Int64?) {
        let records = try await reader.readToEnd([partition], limit: .deadline(.now + .seconds(60))) { _ in }
        return (records, reader.position(of: partition)?.rawValue)
    }

    /// An empty partition ends at once, at 0; a read after records were written reads them to
    /// their end; a read after that reads only what was written since (the reader remembers).
    @Test func anEmptyPartitionEndsAtZeroAndAFullOneAtItsEnd() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("ends")
        try await cluster.createTopic(topic, partitions: 1)
        let partition = TopicPartition(topic, 0)
        let reader = try reader(cluster)
        #expect(try await readToEnd(reader, partition) == (0, 0))
        try await cluster.produce(
            (0..<25).map { _ in KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [1]) })
        #expect(try await readToEnd(reader, partition) == (25, 25))
        try await cluster.produce(
            (0..<5).map { _ in KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [2]) })
        #expect(try await readToEnd(reader, partition) == (5, 30))
        reader.forget([partition])
        #expect(try await readToEnd(reader, partition) == (30, 30), "forgotten: read from the beginning")
        await reader.close()
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
        let reader = try reader(cluster)
        let partition = TopicPartition(topic, 0)
        try reader.consumer.assign([TopicPartitionOffset(partition, .beginning)])
        // Records and end must come out of librdkafka in one poll, so that the end stays
        // buffered in the consumer: 30 records first, then, once librdkafka holds the other 10
        // and the end behind them (it queues the end on the fetch after the one that brought
        // the last records), everything in one poll.
        var read = 0
        try await waitUntil("the first 30 records read", timeout: .seconds(30)) {
            if case .messages(let batch) = await reader.next(maxMessages: 30 - read, timeout: .milliseconds(200)) {
                read += batch.count
            }
            return read == 30
        }
        try await waitUntil("librdkafka holds the last 10 records and the end", timeout: .seconds(30)) {
            Self.queuedEvents(reader.consumer) >= 11
        }
        guard case .messages(let rest) = await reader.next(maxMessages: 10_000, timeout: .seconds(1)) else {
            Issue.record("expected the last 10 records")
            return
        }
        #expect(rest.count == 10, "the end stays behind in the consumer")
        try await cluster.produce(
            (0..<6).map { _ in KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [2]) })
        // The read assigns the partition anew, from where the records above left it (40).
        let (records, end) = try await readToEnd(reader, partition)
        #expect(records == 6 && end == 46, "read \(records) records to \(String(describing: end))")
        await reader.close()
    }
}
