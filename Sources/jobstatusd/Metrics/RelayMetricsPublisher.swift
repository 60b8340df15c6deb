import Kafka
import Relay

/// Turns the relay's snapshot into its metrics: counter increments since the last publish, and
/// gauges. The once-a-second ``MetricsService`` and every `/metrics` scrape publish through one
/// publisher, under one lock: a scrape shows the relay as it is at that moment, its counters and
/// its committed offsets from the same snapshot, and nothing is counted twice.
final class RelayMetricsPublisher: Sendable {
    /// What the last publish counted up to.
    private struct Counted {
        var counters = RelayCounters()
        var repartitioned = 0
        var transactions = (committed: 0, aborted: 0)
    }

    private let status: RelayStatus
    private let counted = Locked(Counted())

    init(status: RelayStatus) {
        self.status = status
    }

    /// Publishes the relay's current snapshot; returns it.
    @discardableResult
    func publish() -> RelaySnapshot {
        counted.withLock { counted in
            // Read under the lock: publishes see snapshots in order, so no increment is negative.
            let snapshot = status.current
            MetricsService.publish(
                snapshot, since: counted.counters, repartitioned: counted.repartitioned,
                transactions: counted.transactions)
            counted.counters = snapshot.counters
            counted.repartitioned = snapshot.repartition?.repartitioned ?? 0
            counted.transactions = (snapshot.transactionsCommitted, snapshot.transactionsAborted)
            return snapshot
        }
    }
}
