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

    /// A cooperative newcomer's first assignment is empty (the others give its partitions up
    /// first); it must not report ready then, before the restore of what it gets next
    /// (DESIGN.md section 3: readiness waits for the restore).
    @Test func aCooperativeNewcomerIsNotReadyBeforeItsFirstRestore() async throws {
        let harness = try await RelayHarness.start(partitions: 2)
        defer { withExtendedLifetime(harness) {} }
        let stream = EventStream(jobs: 200, seed: 25)
        try await harness.produce(stream.events)
        let kafka = ["partition.assignment.strategy": "cooperative-sticky"]
        let first = RunningRelay(
            harness.relayConfiguration(transactionalID: "txn-coop-a", kafka: kafka), logger: harness.logger)
        try await waitUntil("the first relay holding both partitions") {
            first.relay.status.current.isReady && first.relay.status.current.assignedPartitions == 2
        }
        let second = RunningRelay(
            harness.relayConfiguration(transactionalID: "txn-coop-b", kafka: kafka), logger: harness.logger)
        // Polled every 10 ms: a restore can be shorter than that, but a premature standby lasts
        // the seconds until the group's second round.
        var readyWithoutPartitions: [RelaySnapshot.Phase] = []
        try await waitUntil("the newcomer running a partition", timeout: .seconds(120), interval: .milliseconds(10)) {
            let snapshot = second.relay.status.current
            if snapshot.isReady && snapshot.assignedPartitions == 0 { readyWithoutPartitions.append(snapshot.phase) }
            return snapshot.phase == .running && snapshot.assignedPartitions == 1
        }
        #expect(readyWithoutPartitions.isEmpty, "ready before it held and restored a partition")
        #expect(second.relay.status.current.restoredPartitions > 0)
        try await first.stop()
        try await second.stop()
    }

    /// A static member (`group.instance.id`, the default) is never made to leave by librdkafka's
    /// close (KIP-345), so the drain unsubscribes first: its partitions go to the other member
    /// at once, not after its session. Sessions of 40 s here, so a drain that did not leave
    /// would outlast the wait. Not on the mock cluster, which ignores LeaveGroup (brokers.md).
    @Test(.enabled(if: RelayHarness.isExternal, "the mock cluster ignores LeaveGroup"))
    func aDrainedStaticMemberHandsItsPartitionsOverAtOnce() async throws {
        let harness = try await RelayHarness.start(partitions: 2)
        defer { withExtendedLifetime(harness) {} }
        let kafka = ["session.timeout.ms": "40000", "heartbeat.interval.ms": "1000"]
        let relays = ["txn-static-a", "txn-static-b"].map { id in
            var configuration = harness.relayConfiguration(transactionalID: id, kafka: kafka)
            configuration.groupInstanceID = ""  // static, whatever the run's default
            return RunningRelay(configuration, logger: harness.logger)
        }
        try await waitUntil("both static members holding a partition", timeout: .seconds(150)) {
            relays.allSatisfy { $0.relay.status.current.isReady && $0.relay.status.current.assignedPartitions == 1 }
        }
        try await relays[0].stop()
        try await waitUntil("the other member holding both partitions, within the 40 s session", timeout: .seconds(30))
        {
            relays[1].relay.status.current.assignedPartitions == 2
        }
        try await relays[1].stop()
    }
}
