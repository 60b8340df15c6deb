import Foundation
import JobStatus
import Kafka
import TestSupport
import Testing

@testable import Relay

/// Issue 24, defect 1: a stop request (SIGTERM) that comes while a restore reads must drain at
/// once: leave the group and return, not wait out `restore.timeout` (5 minutes by default) in
/// a read that checked neither the stop request nor cancellation.
@Suite(
    "Stopping during a restore", .timeLimit(.minutes(4)),
    .enabled(if: !RelayHarness.isExternal, "stalling a restore needs the mock cluster's partition leaders"))
struct RestoreInterruptionTests {
    @Test func aStopRequestedWhileRestoringDrainsWithoutWaitingForTheRestore() async throws {
        let harness = try await RelayHarness.start(partitions: 2)
        defer { withExtendedLifetime(harness) {} }
        let mock = try #require(harness.mock)
        let stream = EventStream(jobs: 100, seed: 31)
        try await harness.produce(stream.events)
        let first = RunningRelay(harness.relayConfiguration(), logger: harness.logger)
        try await harness.waitUntilCommitted([first], ends: try await harness.inputEnds())
        try await first.stop()

        // The output's partitions lose their leader: the next restore cannot read them to the end.
        for partition in 0..<harness.partitions {
            try mock.setPartitionLeader(topic: harness.output, partition: partition, broker: -1)
        }
        defer {
            for partition in 0..<harness.partitions {
                try? mock.setPartitionLeader(topic: harness.output, partition: partition, broker: 1)
            }
        }
        var configuration = harness.relayConfiguration()
        configuration.restoreTimeout = .seconds(200)
        let second = RunningRelay(configuration, logger: harness.logger)
        try await waitUntil("the second relay restoring") { second.relay.status.current.partitionsToRestore > 0 }
        let restoring = second.relay.status.current
        #expect(restoring.phase == .restoring && !restoring.isReady, "not ready while the restore reads")
        second.relay.requestStop()
        try await waitUntil("the relay returning after the stop request, long before restore.timeout") {
            [.stopped, .failed].contains(second.relay.status.current.phase)
        }
        try await second.task.value  // a drain, not a failure
        #expect(second.relay.status.current.phase == .stopped)
        #expect(second.counters.consumed == 0, "nothing of the unrestored partitions was processed")
    }
}
