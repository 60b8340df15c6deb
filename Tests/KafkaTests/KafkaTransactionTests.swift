import Kafka
import TestSupport
import Testing

/// The transactional API and its error classes.
///
/// The mock cluster runs every transactional call but neither stores offsets
/// sent in a transaction nor hides aborted records from read_committed readers
/// (brokers.md); those properties are checked against tansu in
/// `TansuBrokerTests`. What no broker here can show (read_committed hiding
/// *aborted* records) is not asserted anywhere.
@Suite("Kafka transactions", .timeLimit(.minutes(2)))
struct KafkaTransactionTests {
    func transactionalProducer(_ cluster: TestBroker, id: String) throws -> KafkaProducer {
        try KafkaProducer(
            configuration: cluster.configuration(["transactional.id": id, "transaction.timeout.ms": "10000"]),
            logger: cluster.logger)
    }

    @Test func commitPublishesRecordsAndAbortIsClean() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("txn")
        let group = TestBroker.uniqueName("txn-group")
        try await cluster.createTopic(topic, partitions: 1)
        let producer = try transactionalProducer(cluster, id: TestBroker.uniqueName("txn-id"))
        #expect(producer.isTransactional)
        try await producer.initTransactions(timeout: .seconds(30))

        let consumer = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(group: group), logger: cluster.logger)
        let metadata = try consumer.groupMetadata()

        try producer.beginTransaction()
        for index in 0..<10 {
            try await producer.send(
                KafkaOutgoingMessage(topic: topic, key: Array("k\(index)".utf8), value: [UInt8(index)]))
        }
        try await producer.sendOffsetsToTransaction(
            [TopicPartitionOffset(topic, 0, 10)], groupMetadata: metadata, timeout: .seconds(30))
        try await producer.commitTransaction(timeout: .seconds(30))
        #expect(producer.takeDeliveryReport().delivered == 10)

        try producer.beginTransaction()
        try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [99]))
        try await producer.flush(timeout: .seconds(30))  // on the broker, so that the abort has to hide it
        try await producer.abortTransaction(timeout: .seconds(30))

        try producer.beginTransaction()
        try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [100]))
        try await producer.commitTransaction(timeout: .seconds(30))

        let read = try await cluster.readToEnd([TopicPartition(topic, 0)])
        let values = read.map { $0.value?.first ?? 255 }
        // Each committed record once, in order; the aborted one only where the broker shows aborted records.
        let aborted: [UInt8] = cluster.showsAbortedRecords ? [99] : []
        #expect(values == (0..<10).map(UInt8.init) + aborted + [100])
        await consumer.close()
        await producer.close()
    }

    @Test func callsOutOfOrderAreStateErrorsNotFatal() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let producer = try transactionalProducer(cluster, id: TestBroker.uniqueName("txn-state"))
        // begin before init: a usage error, neither fatal nor abortable.
        let early = try #require(throws: KafkaError.self) { try producer.beginTransaction() }
        #expect(!early.isFatal)
        try await producer.initTransactions(timeout: .seconds(30))
        let commitWithoutBegin = await #expect(throws: KafkaError.self) {
            try await producer.commitTransaction(timeout: .seconds(5))
        }
        #expect(commitWithoutBegin?.isFatal == false)
        // Still usable afterwards.
        try producer.beginTransaction()
        try await producer.abortTransaction(timeout: .seconds(30))
        await producer.close()
    }

    @Test(.enabled(if: !TestBroker.isExternal, "fault injection needs the in-process mock cluster"))
    func anAbortableRequestErrorRequiresAbortThenTheNextTransactionIsClean() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let mock = try #require(cluster.mock)
        let topic = TestBroker.uniqueName("txn-abort")
        try await cluster.createTopic(topic, partitions: 1)
        let producer = try transactionalProducer(cluster, id: TestBroker.uniqueName("txn-abortable"))
        try await producer.initTransactions(timeout: .seconds(30))

        // As librdkafka's own test 0105 does: an authorization error when adding the partition
        // to the transaction makes the transaction abortable (not fatal).
        mock.pushRequestErrors(.addPartitionsToTransaction, [.topicAuthorizationFailed])
        try producer.beginTransaction()
        try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [1]))
        let failure = await #expect(throws: KafkaError.self) {
            try await producer.commitTransaction(timeout: .seconds(30))
        }
        #expect(failure?.requiresAbort == true)
        #expect(failure?.isFatal == false)
        try await producer.abortTransaction(timeout: .seconds(30))
        _ = producer.takeDeliveryReport()

        try producer.beginTransaction()
        try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [2]))
        try await producer.commitTransaction(timeout: .seconds(30))
        #expect(producer.takeDeliveryReport().delivered == 1)
        await producer.close()
    }

    @Test(.enabled(if: !TestBroker.isExternal, "fault injection needs the in-process mock cluster"))
    func aRetriableCoordinatorErrorIsRetriedByLibrdkafka() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let mock = try #require(cluster.mock)
        let topic = TestBroker.uniqueName("txn-retry")
        try await cluster.createTopic(topic, partitions: 1)
        let id = TestBroker.uniqueName("txn-retriable")
        let producer = try transactionalProducer(cluster, id: id)
        try await producer.initTransactions(timeout: .seconds(30))
        mock.pushRequestErrors(.endTransaction, [.notCoordinator, .coordinatorNotAvailable])
        try mock.setCoordinator(.transaction, key: id, broker: 2)
        try producer.beginTransaction()
        try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: [7]))
        try await producer.commitTransaction(timeout: .seconds(30))
        #expect(producer.takeDeliveryReport().delivered == 1)
        await producer.close()
    }
}
