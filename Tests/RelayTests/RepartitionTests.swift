import Foundation
import JobStatus
import Kafka
import TestSupport
import Testing

@testable import Relay

/// `input.keying: any` (issue 24): input with null keys and keys of the producers' own goes
/// through the repartition topic, and a fleet of instances stays exact on it. Without the first
/// stage, two instances each hold part of a job's events and publish regressions and
/// duplicates (measured by an independent harness: 1,561 duplicates, 1,629 jobs back in time).
@Suite("Repartitioning unkeyed input", .timeLimit(.minutes(5)))
struct RepartitionTests {
    static let partitions: Int32 = 3

    private func configuration(_ harness: RelayHarness, _ name: String) throws -> RelayConfiguration {
        var configuration = harness.relayConfiguration(transactionalID: "txn-\(name)")
        configuration.inputKeying = .any
        configuration.ordering = .field(try #require(UnkeyedStream.orderField))
        return configuration
    }

    /// Both stages done: the input committed by the first, the repartition topic by the second.
    static func waitUntilBothStagesCommitted(_ relays: [RunningRelay], _ harness: RelayHarness) async throws {
        try await harness.waitUntilCommitted(relays, ends: try await harness.inputEnds())
        let stages = harness.relayConfiguration()
        try await harness.waitUntilCommitted(
            relays, ends: try await harness.ends(of: stages.repartitionTopic), group: stages.repartitionGroup)
    }

    private func start(seed: UInt64) async throws -> (RelayHarness, UnkeyedStream) {
        let harness = try await RelayHarness.start(partitions: Self.partitions)
        if harness.mock != nil {
            // The mock has no CreateTopics: the topic the relay would create, as it would.
            let repartition = harness.relayConfiguration().repartitionTopic
            try await harness.broker.createTopic(repartition, partitions: Self.partitions)
        }
        return (harness, UnkeyedStream(jobs: 300, seed: seed, topic: harness.input, partitions: Self.partitions))
    }

    @Test func twoInstancesAndACrashPublishEveryJobExactlyOnUnkeyedInput() async throws {
        let (harness, stream) = try await start(seed: 41)
        defer { withExtendedLifetime(harness) {} }
        // A third before the fleet starts, the rest while both instances run, with a crash
        // (no commit, no leave) between: its successor restores, and both work the same jobs.
        let third = stream.records.count / 3
        try await harness.broker.produce(Array(stream.records[..<third]))
        let first = RunningRelay(try configuration(harness, "a"), logger: harness.logger)
        let second = RunningRelay(try configuration(harness, "b"), logger: harness.logger)
        try await waitUntil("both instances ready, each holding partitions in both stages", timeout: .seconds(120)) {
            [first, second].allSatisfy {
                let snapshot = $0.relay.status.current
                return snapshot.isReady && snapshot.assignedPartitions > 0
                    && (snapshot.repartition?.assignedPartitions ?? 0) > 0
            }
        }
        // In small steps, so that both instances handle the same jobs at the same time.
        for start in stride(from: third, to: 2 * third, by: 50) {
            try await harness.broker.produce(Array(stream.records[start..<min(start + 50, 2 * third)]))
        }
        try await first.abandon()
        try await harness.broker.produce(Array(stream.records[(2 * third)...]))
        let successor = RunningRelay(try configuration(harness, "a"), logger: harness.logger)
        let running = [second, successor]
        try await Self.waitUntilBothStagesCommitted(running, harness)
        for relay in running {
            try await relay.stop()
            let snapshot = relay.relay.status.current
            #expect(snapshot.counters.isBalanced, "both stages' counters: \(snapshot.counters)")
        }
        let rekeyed = running.map { $0.relay.status.current.repartition?.repartitioned ?? 0 }.reduce(0, +)
        #expect(rekeyed > 0, "the first stage reports what it re-keyed")

        let output = try await harness.broker.readToEnd(harness.output)
        #expect(stream.problems(in: output) == [])
        let duplicates = Dictionary(grouping: output) { [$0.key ?? [], $0.value ?? []] }.filter { $0.value.count > 1 }
        #expect(duplicates.isEmpty, "\(duplicates.count) records written twice")
        for message in output {
            // The output names the input record, not only the repartition record.
            #expect(DeadLetter.currentHeader(RepartitionRecord.Header.originTopic, of: message) == harness.input)
            #expect(DeadLetter.source(of: message)?.0.topic == harness.relayConfiguration().repartitionTopic)
        }
        let letters = try await harness.broker.readToEnd(harness.deadLetters)
        #expect(letters.count == stream.invalidCount, "each record that does not decode dead-lettered once")
        for letter in letters {
            #expect(DeadLetter.source(of: letter)?.0.topic == harness.input, "a dead letter names its input record")
        }
    }

    /// The repartition topic must have the output's partition count: with another, a job's
    /// records land in a partition whose number is not its output partition's, and restores
    /// would miss them. The relay refuses to start, with its own error kind (exit status 3).
    @Test func aRepartitionTopicOfAnotherSizeStopsTheRelay() async throws {
        let harness = try await RelayHarness.start(partitions: 2)
        defer { withExtendedLifetime(harness) {} }
        var configuration = harness.relayConfiguration()
        configuration.inputKeying = .any
        try await harness.broker.createTopic(configuration.repartitionTopic, partitions: 3)
        let relay = Relay(configuration: configuration, logger: harness.logger)
        do {
            try await relay.run()
            Issue.record("the relay started on a repartition topic of 3 partitions for an output of 2")
        } catch {
            #expect(error.kind == .topicMismatch)
            #expect(error.message.contains("has 3 partitions"), "\(error.message)")
        }
    }

    /// The first stage writes input records again after an abort or a restart; brokers that show
    /// aborted records (tansu) or keep no transactional offsets (the mock, where every restart
    /// re-reads the input from its start) let those copies reach the relay stage. Under lifecycle
    /// ordering the content rules alone would publish an equal-rank step again (RUNNING "a" after
    /// RUNNING "b"): the copies must be known as copies.
    @Test func copiesOfHandledRecordsAreNotPublishedAgain() async throws {
        let harness = try await RelayHarness.start(partitions: 1)
        defer { withExtendedLifetime(harness) {} }
        var configuration = harness.relayConfiguration(transactionalID: "txn-copies")
        configuration.inputKeying = .any
        if harness.mock != nil {
            try await harness.broker.createTopic(configuration.repartitionTopic, partitions: 1)
        }
        let steps = [("QUEUED", "queued"), ("VALIDATING", "validating"), ("RUNNING", "a"), ("RUNNING", "b")]
        try await harness.broker.produce(
            steps.map { status, message in
                KafkaOutgoingMessage(
                    topic: harness.input, partition: 0, key: nil,
                    value: Array(#"{"job_id":"copied","status":"\#(status)","status_msg":"\#(message)"}"#.utf8))
            })
        for _ in 0..<2 {
            let relay = RunningRelay(configuration, logger: harness.logger)
            try await Self.waitUntilBothStagesCommitted([relay], harness)
            try await relay.stop()
        }
        let output = try await harness.broker.readToEnd(harness.output)
        #expect(output.count == steps.count, "each step once: \(RelayHarness.perJob(output))")
    }

    /// A dead letter proves nothing about the records before it (it is delivered on its own): a
    /// crash can leave the dead letter of a later record visible while an earlier record's output
    /// never arrived. The earlier record must still be published.
    @Test func aDeadLetterDoesNotCoverTheRecordsBeforeIt() async throws {
        let harness = try await RelayHarness.start(partitions: 1, deadLetterPartitions: 1)
        defer { withExtendedLifetime(harness) {} }
        var configuration = harness.relayConfiguration(transactionalID: "txn-dead-letter-cover")
        configuration.inputKeying = .any
        if harness.mock != nil {
            try await harness.broker.createTopic(configuration.repartitionTopic, partitions: 1)
        }
        // What a crashed relay stage can leave: the dead letter of input record 0@1, read from
        // repartition record 0@1, and nothing of input record 0@0.
        let read = KafkaMessage(
            topicPartition: TopicPartition(configuration.repartitionTopic, 0), offset: KafkaOffset(rawValue: 1),
            key: Array("y".utf8), value: Array(#"{"job_id":"y","status":"RUNNING"}"#.utf8),
            headers: [
                KafkaHeader(name: RepartitionRecord.Header.originTopic, string: harness.input),
                KafkaHeader(name: RepartitionRecord.Header.originPartition, string: "0"),
                KafkaHeader(name: RepartitionRecord.Header.originOffset, string: "1"),
            ])
        try await harness.broker.produce([
            DeadLetter.make(
                for: read, error: InvalidEvent(.missingMember, "status_msg"), topic: harness.deadLetters)
        ])
        try await harness.broker.produce(
            [
                #"{"job_id":"x","status":"QUEUED","status_msg":"queued"}"#,
                #"{"job_id":"y","status":"RUNNING"}"#,
            ].map { KafkaOutgoingMessage(topic: harness.input, partition: 0, key: nil, value: Array($0.utf8)) })
        let relay = RunningRelay(configuration, logger: harness.logger)
        try await Self.waitUntilBothStagesCommitted([relay], harness)
        try await relay.stop()
        let output = RelayHarness.perJob(try await harness.broker.readToEnd(harness.output))
        #expect(output["x"]?.count == 1, "the earlier record published: \(output)")
    }
}
