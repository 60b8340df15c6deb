import Foundation
import Kafka
import TestSupport
import Testing

@testable import Relay

/// From a stop request until the clients are closed the status says `draining`: not ready,
/// and systemd's `STATUS=` and `/status` tell the operator why the instance is still there.
@Suite(
    "Status while draining", .timeLimit(.minutes(3)),
    .enabled(if: !RelayHarness.isExternal, "a slow drain needs the mock cluster's round-trip delay"))
struct DrainStatusTests {
    @Test func theStatusSaysDrainingUntilTheRelayHasStopped() async throws {
        let harness = try await RelayHarness.start(partitions: 1)
        defer { withExtendedLifetime(harness) {} }
        let mock = try #require(harness.mock)
        try await harness.produce(EventStream(jobs: 20, seed: 7).events)
        let running = RunningRelay(harness.relayConfiguration(), logger: harness.logger)
        try await harness.waitUntilCommitted([running], ends: try await harness.inputEnds())
        #expect(running.relay.status.current.isReady)

        // Every request now takes a second: leaving the group and closing take seconds.
        for broker: Int32 in 1...3 { try mock.setRoundTripTime(broker: broker, .seconds(1)) }
        running.relay.requestStop()
        try await waitUntil("the status saying draining") { running.relay.status.current.phase == .draining }
        #expect(!running.relay.status.current.isReady, "a draining instance is not ready")
        try await running.task.value
        #expect(running.relay.status.current.phase == .stopped)
    }
}
