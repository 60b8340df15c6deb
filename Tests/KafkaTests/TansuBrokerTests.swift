import Foundation
import Kafka
import TestSupport
import Testing

/// What only the independent broker (tansu, behind the proxy of
/// `scripts/lib/tansu_broker.py`) can show; `scripts/test` starts it and sets
/// `TANSU_BOOTSTRAP`.
///
/// Not asserted anywhere, because no broker we can run here does it
/// (brokers.md): that read_committed readers skip *aborted* records. tansu
/// hides an open transaction but shows aborted records once aborted; the mock
/// cluster hides neither.
@Suite(
    "Kafka against tansu", .enabled(if: TestBroker.tansuBootstrap != nil, "TANSU_BOOTSTRAP is not set"),
    .timeLimit(.minutes(2)), .serialized)
struct TansuBrokerTests {
    let broker = TestBroker.external(TestBroker.tansuBootstrap ?? "", label: "tansu-test")

    @Test func createsACompactedTopicAndReadsItsCleanupPolicyBack() async throws {
        let topic = TestBroker.uniqueName("compacted")
        try await broker.createTopic(topic, partitions: 3, configs: ["cleanup.policy": "compact"])
        let admin = try KafkaAdmin(configuration: broker.configuration(), logger: broker.logger)
        let configs = try await admin.describeTopicConfiguration(topic, timeout: .seconds(10))
        #expect(configs["cleanup.policy"] == "compact")
        let metadata = try await admin.metadata(timeout: .seconds(10))
        #expect(metadata.topic(topic)?.partitions.count == 3)
        let again = await #expect(throws: KafkaError.self) {
            try await admin.createTopic(
                KafkaTopicSpecification(name: topic, partitions: 3, replicationFactor: 1), timeout: .seconds(10))
        }
        #expect(again?.code == .topicAlreadyExists)
        await admin.close()
    }

    @Test func offsetsSentInATransactionAreStoredOnCommitNotOnAbort() async throws {
        let topic = TestBroker.uniqueName("txn-offsets")
        let group = TestBroker.uniqueName("txn-offsets-group")
        try await broker.createTopic(topic, partitions: 1)
        let partition = TopicPartition(topic, 0)
        let consumer = try KafkaConsumer(
            configuration: broker.configuration(["group.id": group, "enable.auto.commit": "false"]),
            logger: broker.logger)
        let producer = try KafkaProducer(
            configuration: broker.configuration(["transactional.id": TestBroker.uniqueName("txn")]),
            logger: broker.logger)
        try await producer.initTransactions(timeout: .seconds(30))
        let metadata = try consumer.groupMetadata()

        try producer.beginTransaction()
        try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [1]))
        try await producer.sendOffsetsToTransaction(
            [TopicPartitionOffset(partition, KafkaOffset(rawValue: 5))], groupMetadata: metadata, timeout: .seconds(30))
        try await producer.abortTransaction(timeout: .seconds(30))
        let afterAbort = try await consumer.committed([partition], timeout: .seconds(10))
        #expect(afterAbort.first?.offset.isConcrete == false, "aborted offsets are not stored")

        try producer.beginTransaction()
        try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [2]))
        try await producer.sendOffsetsToTransaction(
            [TopicPartitionOffset(partition, KafkaOffset(rawValue: 7))], groupMetadata: metadata, timeout: .seconds(30))
        try await producer.commitTransaction(timeout: .seconds(30))
        let afterCommit = try await consumer.committed([partition], timeout: .seconds(10))
        #expect(afterCommit.first?.offset == KafkaOffset(rawValue: 7))
        await producer.close()
        await consumer.close()
    }

    @Test func readCommittedDoesNotSeeAnOpenTransaction() async throws {
        let topic = TestBroker.uniqueName("txn-open")
        try await broker.createTopic(topic, partitions: 1)
        let partition = TopicPartition(topic, 0)
        let producer = try KafkaProducer(
            configuration: broker.configuration(["transactional.id": TestBroker.uniqueName("txn-open")]),
            logger: broker.logger)
        try await producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        for value in 0..<5 {
            try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [UInt8(value)]))
        }
        try await producer.flush(timeout: .seconds(10))
        #expect(producer.takeDeliveryReport().delivered == 5, "the records are on the broker")

        // Read to the end that fetch responses report (partition EOF): read_uncommitted finds the
        // five records; read_committed ends before them, at the last stable offset, and so reads
        // nothing, however long it is given.
        let uncommitted = try await broker.readToEnd([partition], isolation: .readUncommitted)
        #expect(uncommitted.compactMap { $0.value?.first } == [0, 1, 2, 3, 4], "the records are there")
        let whileOpen = try await broker.readToEnd([partition], isolation: .readCommitted)
        #expect(whileOpen.isEmpty, "an open transaction is invisible to read_committed: \(whileOpen.map(\.offset))")

        try await producer.commitTransaction(timeout: .seconds(30))
        let committed = try await broker.readToEnd([partition], isolation: .readCommitted)
        #expect(committed.compactMap { $0.value?.first } == [0, 1, 2, 3, 4])
        await producer.close()
    }

    @Test func aSecondProducerWithTheSameTransactionalIDFencesTheFirst() async throws {
        let topic = TestBroker.uniqueName("fence")
        try await broker.createTopic(topic, partitions: 1)
        let id = TestBroker.uniqueName("fenced-id")
        let first = try KafkaProducer(
            configuration: broker.configuration(["transactional.id": id]), logger: broker.logger)
        try await first.initTransactions(timeout: .seconds(30))
        try first.beginTransaction()
        try await first.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [1]))

        let second = try KafkaProducer(
            configuration: broker.configuration(["transactional.id": id]), logger: broker.logger)
        try await second.initTransactions(timeout: .seconds(30))

        // A commit that times out on a loaded machine is retried, as librdkafka asks ("retry call
        // to resume") and as the relay does: the answer it resumes to is the fencing.
        var fenced: KafkaError?
        for _ in 0..<5 {
            do {
                try await first.commitTransaction(timeout: .seconds(30))
                Issue.record("the fenced producer's commit succeeded")
                break
            } catch {
                fenced = error
                if !(error.code == .timedOut && error.isRetriable) { break }
            }
        }
        #expect(fenced?.isFatal == true, "\(String(describing: fenced))")
        #expect(fenced?.isFenced == true, "\(String(describing: fenced))")

        try second.beginTransaction()
        try await second.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [2]))
        try await second.commitTransaction(timeout: .seconds(30))
        await first.close(timeout: .seconds(1))
        await second.close()
    }
}
