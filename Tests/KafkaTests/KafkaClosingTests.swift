import Kafka
import TestSupport
import Testing

/// `closing(after:)` closes the client, and waits for the close, whether the body returned or threw.
@Suite("Closing a client after use")
struct KafkaClosingTests {
    final class Client: KafkaClosing {
        let closes = Locked(0)
        func close() async {
            try? await Task.sleep(for: .milliseconds(20))  // a close that takes a while is still awaited
            closes.withLock { $0 += 1 }
        }
    }

    struct Refused: Error, Equatable {}

    @Test func aBodyThatReturnsClosesTheClientBeforeTheResult() async {
        let client = Client()
        let result = await client.closing { _ in 42 }
        #expect(result == 42)
        #expect(client.closes.withLock { $0 } == 1)
    }

    @Test func aBodyThatThrowsClosesTheClientAndRethrowsItsError() async {
        let client = Client()
        await #expect(throws: Refused()) {
            try await client.closing { _ throws(Refused) in throw Refused() }
        }
        #expect(client.closes.withLock { $0 } == 1)
    }

    @Test func aRealConsumerIsClosedAfterUse() async throws {
        let broker = try TestBroker.start()
        defer { withExtendedLifetime(broker) {} }
        let consumer = try KafkaConsumer(
            configuration: broker.configuration(["group.id": "closing"]), logger: broker.logger)
        let topic = TestBroker.uniqueName("closing")
        try await broker.createTopic(topic, partitions: 1)
        let ends = try await consumer.closing { consumer throws(KafkaError) in
            try await consumer.committed([TopicPartition(topic, 0)], timeout: .seconds(10))
        }
        #expect(ends.count == 1)
        await #expect(throws: KafkaError.self, "a closed consumer refuses work") {
            try await consumer.committed([TopicPartition(topic, 0)], timeout: .seconds(10))
        }
    }
}

/// A closed client refuses calls with an error naming it: its handle is gone, so a call would use
/// freed memory, or wait forever for the client thread, which has ended.
@Suite("Calls to a closed client")
struct ClosedClientTests {
    @Test func aClosedConsumerRefusesEveryCall() async throws {
        let broker = try TestBroker.start()
        defer { withExtendedLifetime(broker) {} }
        let topic = TestBroker.uniqueName("closed")
        try await broker.createTopic(topic, partitions: 1)
        let partition = TopicPartition(topic, 0)
        let consumer = try KafkaConsumer(
            configuration: broker.configuration(["group.id": "closed"]), logger: broker.logger)
        await consumer.close()
        await #expect(throws: KafkaError.self) { try await consumer.committed([partition], timeout: .seconds(5)) }
        #expect(throws: KafkaError.self) { try consumer.assign([TopicPartitionOffset(partition, .beginning)]) }
        #expect(throws: KafkaError.self) { try consumer.position([partition]) }
        #expect(throws: KafkaError.self) { try consumer.subscribe(topics: [topic]) }
        await #expect(throws: KafkaError.self) { try await consumer.metadata(timeout: .seconds(5)) }
        guard case .error(let error) = await consumer.poll(timeout: .seconds(5)) else {
            Issue.record("a poll of a closed consumer returned no error")
            return
        }
        #expect(error.message.contains("is closed"))
        #expect(consumer.cachedWatermarks(for: partition).high == .invalid)
        #expect(consumer.memberID == "")
        await consumer.close()  // idempotent
    }

    @Test func aClosedProducerAndAdminRefuseEveryCall() async throws {
        let broker = try TestBroker.start()
        defer { withExtendedLifetime(broker) {} }
        let producer = try KafkaProducer(configuration: broker.configuration(), logger: broker.logger)
        await producer.close()
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaOutgoingMessage(topic: "t", key: nil, value: [1]))
        }
        await #expect(throws: KafkaError.self) { try await producer.flush(timeout: .seconds(5)) }
        #expect(producer.outstandingCount == 0)

        let admin = try KafkaAdmin(configuration: broker.configuration(), logger: broker.logger)
        await admin.close()
        await #expect(throws: KafkaError.self) { try await admin.metadata(timeout: .seconds(5)) }
    }
}
