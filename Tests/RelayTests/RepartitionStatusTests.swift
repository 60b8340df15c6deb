import Kafka
import Testing

@testable import Relay

/// With `input.keying: any` two loops report into one status: readiness, the watchdog's
/// heartbeat, the balance of the counters and the lag must cover both stages.
@Suite("Relay status: two stages in one")
struct RepartitionStatusTests {
    private func running(_ body: (inout RelaySnapshot) -> Void = { _ in }) -> (RelayStatus, RelayStatus) {
        let status = RelayStatus()
        status.update { $0.phase = .running }
        let stage = status.repartitionStatus()
        #expect(stage === status.repartitionStatus(), "one first stage per status")
        stage.update { $0.phase = .running }
        status.update(body)
        return (status, stage)
    }

    @Test func readyOnlyWhenBothStagesAre() {
        let (status, stage) = running()
        #expect(status.current.isReady)
        stage.update { $0.phase = .starting }
        #expect(!status.current.isReady, "the relay stage alone is not ready")
        stage.update { $0.phase = .standingBy }
        #expect(status.current.isReady, "a first stage with no input partition stands by")
        stage.update { $0.phase = .failed }
        #expect(status.current.phase == .failed)
    }

    @Test func theWatchdogSeesTheStageThatStalled() {
        let (status, stage) = running()
        let stalled = ContinuousClock.now - .seconds(120)
        stage.update { $0.lastHeartbeat = stalled }
        status.heartbeat()
        #expect(status.current.lastHeartbeat == stalled)
    }

    @Test func countersStayBalancedAndLagCoversBothTopics() {
        let (status, stage) = running()
        let input = TopicPartition("in", 0)
        let repartition = TopicPartition("g-repartition", 0)
        stage.update { snapshot in
            snapshot.counters.consumed = 10
            snapshot.counters.published = 7  // re-keyed
            snapshot.counters.deadLettered = 2
            snapshot.counters.invalid[.invalidJSON] = 2
            snapshot.counters.tombstones = 1
            snapshot.consumerLag = [input: 5]
            snapshot.assignedPartitions = 1
        }
        status.update { snapshot in
            snapshot.counters.consumed = 7
            snapshot.counters.published = 4
            snapshot.counters.dropped[.duplicate] = 3
            snapshot.consumerLag = [repartition: 1]
        }
        let merged = status.current
        #expect(merged.counters.isBalanced, "\(merged.counters)")
        #expect(merged.counters.consumed == 10, "each input record once")
        #expect(merged.counters.published == 4 && merged.counters.deadLettered == 2 && merged.counters.tombstones == 1)
        #expect(merged.repartition?.repartitioned == 7)
        #expect(merged.consumerLag == [input: 5, repartition: 1])
        #expect(
            merged.statusLine.contains("re-keying: 1 input partitions, 10 consumed, 7 re-keyed"), "\(merged.statusLine)"
        )
    }

    /// While the first stage reads the DLQ, the whole restores: not ready, and the records it reads
    /// count as progress (what extends systemd's start timeout).
    @Test func aRestoringFirstStageMakesTheWholeRestore() {
        let (status, stage) = running { $0.restoredRecords = 5 }
        stage.update { snapshot in
            snapshot.phase = .restoring
            snapshot.restoredRecords = 7
        }
        let merged = status.current
        #expect(merged.phase == .restoring)
        #expect(!merged.isReady)
        #expect(merged.restoredRecords == 12)
    }
}
