import Foundation
import Kafka
import TestSupport
import Testing

/// Issue 24: a member that dies inside a transaction holds the last stable offset of every
/// partition it wrote until the broker aborts that transaction (tansu never does, brokers.md).
/// A restore then ends at that offset, in time, and takes nothing beyond it as evidence either
/// way: neither the dead transaction's records nor the committed ones after them.
/// Needs a broker that hides open transactions from read_committed readers: tansu (as
/// `scripts/test` runs it) or a real Kafka, not the mock cluster.
@Suite(
    "A restore behind a dead member's open transaction",
    .enabled(if: TestBroker.isExternal, "the mock cluster does not hide open transactions"))
struct StalledTransactionRestoreTests {
    @Test func aRestoreEndsAtTheStalledLastStableOffsetAndReadsNothingBeyond() async throws {
        let broker = try TestBroker.start(label: "stalled-restore")
        let topic = TestBroker.uniqueName("stalled")
        try await broker.createTopic(topic, partitions: 1)
        func records(_ prefix: String, _ count: Int) -> [KafkaOutgoingMessage] {
            (0..<count).map {
                KafkaOutgoingMessage(
                    topic: topic, partition: 0, key: Array("\(prefix)\($0)".utf8), value: Array("\(prefix)\($0)".utf8))
            }
        }
        try await broker.produce(records("before-", 5))
        // The dead member: a transaction opened, written to, and never ended.
        let dead = try KafkaProducer(
            configuration: broker.configuration([
                "transactional.id": TestBroker.uniqueName("dead"), "transaction.timeout.ms": "600000",
            ]), logger: broker.logger)
        try await dead.initTransactions(timeout: .seconds(30))
        try dead.beginTransaction()
        for record in records("open-", 3) { try await dead.send(record) }
        try await dead.flush(timeout: .seconds(30))
        try await broker.produce(records("after-", 5))

        let restorer = try PartitionEndReader(
            configuration: broker.configuration(), groupID: TestBroker.uniqueName("group"), logger: broker.logger)
        var read: [String] = []
        let count = try await restorer.readToEnd([TopicPartition(topic, 0)], limit: .deadline(.now + .seconds(60))) {
            read.append(String(decoding: $0.value ?? [], as: UTF8.self))
        }
        await restorer.close()
        #expect(count == 5 && read == (0..<5).map { "before-\($0)" }, "read: \(read)")
        withExtendedLifetime(dead) {}
    }
}
