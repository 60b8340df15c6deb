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

    /// At-least-once commits input offsets only after the records they produced are delivered:
    /// when the output cannot be written, the relay fails with the offsets uncommitted, and the
    /// next run publishes every record.
    @Test(.enabled(if: !TestBroker.isExternal, "fault injection needs the in-process mock cluster"))
    func noInputOffsetIsCommittedBeforeItsOutputIsDelivered() async throws {
        let harness = try await RelayHarness.start(partitions: 1)
        defer { withExtendedLifetime(harness) {} }
        let mock = try #require(harness.mock)
        var configuration = harness.relayConfiguration(delivery: .atLeastOnce)
        configuration.operationTimeout = .seconds(3)
        let first = RunningRelay(configuration, logger: harness.logger)
        try await waitUntil("the first relay ready") { first.relay.status.current.isReady }

        try mock.setPartitionLeader(topic: harness.output, partition: 0, broker: -1)
        let jobs = (0..<10).map { "job-\($0)" }
        try await harness.produce(
            raw: jobs.map { ($0, Array(#"{"job_id":"\#($0)","status":"RUNNING","status_msg":"m"}"#.utf8)) })
        await #expect(throws: (any Error).self, "undelivered records end the relay") { try await first.task.value }

        let input = TopicPartition(harness.input, 0)
        let reader = try KafkaConsumer(
            configuration: harness.kafka(["group.id": harness.group]), logger: harness.logger)
        let committed = try await reader.closing { try await $0.committed([input], timeout: .seconds(10)) }
        #expect(committed.allSatisfy { $0.offset.rawValue < 0 }, "no input offset committed: \(committed)")

        try mock.setPartitionLeader(topic: harness.output, partition: 0, broker: 1)
        let second = RunningRelay(harness.relayConfiguration(delivery: .atLeastOnce), logger: harness.logger)
        try await harness.waitUntilCommitted([second], ends: [input: Int64(jobs.count)])
        try await second.stop()
        let output = try await harness.broker.readToEnd(harness.output)
        #expect(Set(RelayHarness.perJob(output).keys) == Set(jobs), "the next run published every record")
    }
}
