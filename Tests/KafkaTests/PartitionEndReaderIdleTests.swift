import TestSupport
import Testing

@testable import Kafka

/// A reader that stops fetching between reads (the relay's restore reader) holds no partition,
/// and its next read goes on from where the last one stopped.
@Suite("Partition end reader between reads")
struct PartitionEndReaderIdleTests {
    static func messages(_ topic: String, _ range: Range<Int>) -> [KafkaOutgoingMessage] {
        range.map { KafkaOutgoingMessage(topic: topic, key: Array("k\($0)".utf8), value: Array("v\($0)".utf8)) }
    }

    @Test func aReaderThatStoppedFetchingHoldsNoPartitionAndResumesWhereItStopped() async throws {
        let topic = TestBroker.uniqueName("idle")
        let broker = try TestBroker.mock(brokers: 1, topics: [topic: 1], label: "idle-reader-test")
        let partition = TopicPartition(topic, 0)
        try await broker.produce(Self.messages(topic, 0..<5))
        let reader = try PartitionEndReader(
            configuration: broker.configuration(), groupID: TestBroker.uniqueName("group"), logger: broker.logger)
        var offsets: [Int64] = []
        let first = try await reader.readToEnd([partition], limit: .stall(.seconds(60))) {
            offsets.append($0.offset.rawValue)
        }
        try reader.stopFetching()
        #expect(try reader.consumer.assignment().isEmpty)
        try await broker.produce(Self.messages(topic, 5..<8))
        let second = try await reader.readToEnd([partition], limit: .stall(.seconds(60))) {
            offsets.append($0.offset.rawValue)
        }
        await reader.close()
        #expect(first == 5 && second == 3)
        #expect(offsets == Array(0..<8), "each record once, in order")
    }

    /// Reads that keep a poll ahead and stop fetching after each read, over several partitions
    /// and many rounds of new records: every record once, in offset order (a poll ahead that
    /// outlived its read, or raced the unassignment, would show up as a gap or a repeat).
    @Test func manyReadsThatStopFetchingEachReadEveryRecordOnceInOrder() async throws {
        let topic = TestBroker.uniqueName("idle-rounds")
        let broker = try TestBroker.mock(brokers: 1, topics: [topic: 3], label: "idle-rounds-test")
        let partitions = (0..<3).map { TopicPartition(topic, KafkaPartition(rawValue: Int32($0))) }
        let reader = try PartitionEndReader(
            configuration: broker.configuration(), groupID: TestBroker.uniqueName("group"), logger: broker.logger)
        var seen: [TopicPartition: [Int64]] = [:]
        var produced = 0
        for round in 0..<20 {
            let count = round * 37 % 200
            try await broker.produce(
                (0..<count).map {
                    KafkaOutgoingMessage(
                        topic: topic, partition: KafkaPartition(rawValue: Int32($0 % 3)), key: Array("k\($0)".utf8),
                        value: Array("v".utf8))
                })
            produced += count
            _ = try await reader.readToEnd(partitions, limit: .stall(.seconds(60))) {
                seen[$0.topicPartition, default: []].append($0.offset.rawValue)
            }
            try reader.stopFetching()
        }
        await reader.close()
        #expect(seen.values.map(\.count).reduce(0, +) == produced)
        for (partition, offsets) in seen {
            #expect(offsets == Array(0..<Int64(offsets.count)), "\(partition): each record once, in order")
        }
    }
}
