import Kafka
import TestSupport
import Testing

/// Partition ends as fetch responses report them (`enable.partition.eof`): what a restore reads up to.
@Suite("Kafka partition ends", .timeLimit(.minutes(2)))
struct KafkaPartitionEndTests {
    func reader(_ cluster: TestBroker) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: cluster.configuration([
                "group.id": TestBroker.uniqueName("end"), "enable.partition.eof": "true",
                "isolation.level": "read_committed",
            ]),
            logger: cluster.logger)
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
        var read = 0
        while read < 40 {  // stop at the records, leaving their end event buffered
            // Small batches first, then (after a pause that lets the fetcher queue the end event
            // too) the rest in one: records and end then come out of librdkafka together, and the
            // end stays buffered in the consumer. The pause only makes the old bug likely to show.
            let batchSize = read < 30 ? 30 - read : 10_000
            if read >= 30 { try await Task.sleep(for: .milliseconds(600)) }
            if case .messages(let batch) = await consumer.poll(maxMessages: batchSize, timeout: .seconds(1)) {
                read += batch.count
            }
        }
        try await cluster.produce(
            (0..<6).map { _ in KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [2]) })
        try consumer.assign([TopicPartitionOffset(partition, KafkaOffset(rawValue: 40))])
        let (records, end) = try await readToEnd(consumer)
        #expect(records == 6 && end == 46, "read \(records) records to \(end)")
        await consumer.close()
    }
}
