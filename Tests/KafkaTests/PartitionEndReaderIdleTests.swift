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
}
