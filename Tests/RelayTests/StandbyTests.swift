import Foundation
import JobStatus
import Kafka
import TestSupport
import Testing

@testable import Relay

/// More instances than input partitions (issue 24): the spare ones are ready standbys, not
/// instances that never become ready (systemd would kill and restart them every
/// `TimeoutStartSec`, and each restart would rebalance the whole group). A standby takes a
/// partition when its owner leaves, restoring it before the partition's first record.
@Suite("Standby instances", .timeLimit(.minutes(4)))
struct StandbyTests {
    @Test(arguments: ["range,roundrobin", "cooperative-sticky"])
    func threeInstancesOnTwoPartitionsAreAllReadyAndTheStandbyTakesOver(strategy: String) async throws {
        let harness = try await RelayHarness.start(partitions: 2)
        defer { withExtendedLifetime(harness) {} }
        let stream = EventStream(jobs: 400, seed: 24)
        let half = stream.events.count / 2
        try await harness.produce(Array(stream.events[..<half]))
        let kafka = ["partition.assignment.strategy": strategy]
        let relays = (0..<3).map { index in
            RunningRelay(
                harness.relayConfiguration(transactionalID: "txn-standby-\(index)", kafka: kafka),
                logger: harness.logger)
        }
        func snapshots() -> [RelaySnapshot] { relays.map(\.relay.status.current) }
        try await waitUntil("two instances holding a partition each and one standing by, all three ready") {
            let all = snapshots()
            return all.allSatisfy(\.isReady) && all.filter(\.isStandingBy).count == 1
                && all.map(\.assignedPartitions).sorted() == [0, 1, 1]
        }
        let standby = try #require(relays.first { $0.relay.status.current.isStandingBy })
        #expect(standby.relay.status.current.statusLine.hasPrefix("standing by"))
        try await harness.waitUntilCommitted(relays, ends: try await harness.inputEnds())

        // One owner leaves for good: the standby takes its partition, restores it, and goes on
        // with the second half exactly where the owner stopped.
        let leaving = try #require(relays.first { $0.relay.status.current.assignedPartitions > 0 })
        try await leaving.stop()
        let staying = relays.filter { $0.relay !== leaving.relay }
        try await harness.produce(Array(stream.events[half...]))
        try await waitUntil("the standby holding a partition, running", timeout: .seconds(120)) {
            let snapshot = standby.relay.status.current
            return snapshot.assignedPartitions == 1 && snapshot.phase == .running
        }
        #expect(standby.relay.status.current.restoredRecords > 0, "the taken partition was restored first")
        try await harness.waitUntilCommitted(staying, ends: try await harness.inputEnds())
        for relay in staying { try await relay.stop() }

        let output = try await harness.broker.readToEnd(harness.output)
        let perJob = RelayHarness.perJob(output)
        #expect(
            perJob == stream.expected,
            "exact output after the standby took over: \(RelayEndToEndTests.difference(perJob, stream.expected))")
        let letters = try await harness.broker.readToEnd(harness.deadLetters)
        #expect(letters.count == stream.invalidCount, "the DLQ holds exactly the invalid records")
    }
}
