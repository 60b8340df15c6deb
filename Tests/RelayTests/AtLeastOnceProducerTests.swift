import Kafka
import TestSupport
import Testing

@testable import Relay

/// At-least-once rests on each output partition holding what the relay produced, in order and
/// with no gap. A Produce request that fails with a timeout may or may not have been written;
/// when a later request of the same partition, already in flight, succeeds, librdkafka reports
/// the earlier one delivered too (an "implicit ack"): a broker that checks idempotent sequence
/// numbers would have refused the later one otherwise. Brokers that do not check them
/// (librdkafka's mock cluster checks them only for transactional producers) lose the earlier
/// records behind a success report. So the relay's at-least-once producer keeps one request in
/// flight: a later request cannot overtake one that failed.
@Suite("At-least-once producer under Produce timeouts", .timeLimit(.minutes(2)))
struct AtLeastOnceProducerTests {
    @Test(.enabled(if: !TestBroker.isExternal, "fault injection needs the in-process mock cluster"))
    func aTimedOutRequestIsRetriedNotAcknowledgedByTheNextOne() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let mock = try #require(cluster.mock)
        let topic = TestBroker.uniqueName("alo-timeouts")
        try await cluster.createTopic(topic, partitions: 1)
        try mock.setPartitionLeader(topic: topic, partition: 0, broker: 1)
        // One record per request and a slow answer: with more than one request allowed in
        // flight, the ones behind a timed-out request are on the wire before its answer.
        try mock.setRoundTripTime(broker: 1, .milliseconds(100))
        let configuration = RelayConfiguration(
            kafka: cluster.configuration(["linger.ms": "0", "batch.num.messages": "1"]), delivery: .atLeastOnce)
        let producer = try KafkaProducer(
            configuration: RelayClientSettings.producer(configuration), logger: cluster.logger)
        func send(_ value: String) async throws {
            try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: Array(value.utf8)))
        }
        try await send("warm-up")
        try await producer.flush(timeout: .seconds(30))
        mock.pushRequestErrors(.produce, [.requestTimedOut])
        let values = (0..<10).map { "record-\($0)" }
        for value in values { try await send(value) }
        try await producer.flush(timeout: .seconds(30))
        let report = producer.takeDeliveryReport()
        #expect(report.isSuccess, "\(report.failures)")
        await producer.close()

        let read = try await cluster.readToEnd([TopicPartition(topic, 0)])
        let written = read.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(written == ["warm-up"] + values, "every record reported delivered is in the partition, in order")
    }
}
