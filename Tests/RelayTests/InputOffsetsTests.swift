import Foundation
import JobStatus
import Kafka
import TestSupport
import Testing

@testable import Relay

/// Issue 24, defect 4: an input topic deleted and recreated (or truncated) reuses source
/// coordinates. The output still names records of the old topic at offsets the new one is only
/// reaching, and a new record at such an offset must not count as handled.
@Suite("Input offsets that go backwards", .timeLimit(.minutes(3)))
struct InputOffsetsTests {
    static func event(_ job: String, _ status: String) -> [UInt8] {
        Array(#"{"job_id":"\#(job)","status":"\#(status)","status_msg":"\#(status.lowercased())"}"#.utf8)
    }

    @Test func newRecordsAtCoordinatesTheOutputNamesAreStillPublished() async throws {
        let harness = try await RelayHarness.start(partitions: 1)
        defer { withExtendedLifetime(harness) {} }
        // What an earlier incarnation of the input topic left in the output: 200 records handled
        // from its partition 0, offsets 0 to 199, each naming its source as every output does.
        let old = (0..<200).map { offset in
            KafkaOutgoingMessage(
                topic: harness.output, partition: 0, key: Array("old-\(offset)".utf8),
                value: Self.event("old-\(offset)", "QUEUED"),
                headers: [
                    KafkaHeader(name: DeadLetter.Header.sourceTopic, string: harness.input),
                    KafkaHeader(name: DeadLetter.Header.sourcePartition, string: "0"),
                    KafkaHeader(name: DeadLetter.Header.sourceOffset, string: String(offset)),
                ])
        }
        try await harness.broker.produce(old)
        // The recreated topic: 50 new jobs, and a later status of an old job at offset 50, below
        // the offset its old record names (199 > 50: "covered" by the old record).
        var input = (0..<50).map { (key: "new-\($0)", value: Self.event("new-\($0)", "QUEUED")) }
        input.append((key: "old-199", value: Self.event("old-199", "RUNNING")))
        try await harness.produce(raw: input)

        let relay = RunningRelay(harness.relayConfiguration(), logger: harness.logger)
        try await harness.waitUntilCommitted([relay], ends: try await harness.inputEnds())
        try await relay.stop()

        let perJob = RelayHarness.perJob(try await harness.broker.readToEnd(harness.output))
        let published = (0..<50).filter { perJob["new-\($0)"]?.count == 1 }
        #expect(published.count == 50, "every new job published once, none skipped as handled")
        #expect(
            perJob["old-199"]?.last.map { $0.contains("RUNNING") } == true,
            "the old job's new status published, not taken as covered by the old topic's record")
        #expect(relay.counters.published == 51)
    }

    /// The same for `input.keying: any`'s first stage, whose evidence is the DLQ: dead letters of
    /// the old topic name offsets the new one is only reaching, and its valid records there must
    /// still be re-keyed and published.
    @Test func theRepartitionStageDoesNotTakeOldDeadLettersForNewRecords() async throws {
        let harness = try await RelayHarness.start(partitions: 1)
        defer { withExtendedLifetime(harness) {} }
        var configuration = harness.relayConfiguration()
        configuration.inputKeying = .any
        if harness.mock != nil {
            try await harness.broker.createTopic(configuration.repartitionTopic, partitions: 1)
        }
        let old = (0..<200).map { offset in
            KafkaOutgoingMessage(
                topic: harness.deadLetters, partition: 0, key: nil, value: Array("{not json".utf8),
                headers: [
                    KafkaHeader(name: DeadLetter.Header.reason, string: "invalid_json"),
                    KafkaHeader(name: DeadLetter.Header.sourceTopic, string: harness.input),
                    KafkaHeader(name: DeadLetter.Header.sourcePartition, string: "0"),
                    KafkaHeader(name: DeadLetter.Header.sourceOffset, string: String(offset)),
                ])
        }
        try await harness.broker.produce(old)
        try await harness.produce(raw: (0..<50).map { (key: "new-\($0)", value: Self.event("new-\($0)", "QUEUED")) })

        let relay = RunningRelay(configuration, logger: harness.logger)
        try await harness.waitUntilCommitted([relay], ends: try await harness.inputEnds())
        try await waitUntil("the relay stage done") { relay.counters.published + relay.counters.droppedTotal >= 50 }
        try await relay.stop()

        let perJob = RelayHarness.perJob(try await harness.broker.readToEnd(harness.output))
        #expect((0..<50).filter { perJob["new-\($0)"]?.count == 1 }.count == 50, "every new job published once")
    }
}
