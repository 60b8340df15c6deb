import Synchronization

/// What the relay is doing, for readiness, systemd `STATUS=`, the watchdog and metrics.
public struct RelaySnapshot: Sendable {
    public enum Phase: String, Sendable {
        case starting, restoring, running, draining, stopped, failed
    }

    public var phase: Phase = .starting
    /// Output partitions restored / to restore in the current restore.
    public var restoredPartitions = 0
    public var partitionsToRestore = 0
    /// Records read while restoring, in all.
    public var restoredRecords = 0
    /// Jobs in the dedup table.
    public var trackedJobs = 0
    /// Counters over committed work.
    public var counters = RelayCounters()
    /// Transactions committed and aborted.
    public var transactionsCommitted = 0
    public var transactionsAborted = 0
    /// When the loop last made progress or was healthily idle (for the watchdog).
    public var lastHeartbeat: ContinuousClock.Instant = .now
    /// Last restore's duration.
    public var lastRestoreDuration: Duration = .zero
    /// Last commit's duration.
    public var lastCommitDuration: Duration = .zero
    /// Input partitions assigned to this instance.
    public var assignedPartitions = 0

    /// Ready: restored and running.
    public var isReady: Bool { phase == .running }

    /// The text of a systemd `STATUS=` line.
    public var statusLine: String {
        switch phase {
        case .starting: "starting"
        case .restoring:
            "restoring \(restoredPartitions)/\(partitionsToRestore) partitions (\(restoredRecords) records)"
        case .running:
            "running: \(assignedPartitions) partitions, \(trackedJobs) jobs, \(counters.consumed) consumed, "
                + "\(counters.published) published"
        case .draining: "draining"
        case .stopped: "stopped"
        case .failed: "failed"
        }
    }
}

/// A thread-safe holder of the relay's ``RelaySnapshot``.
public final class RelayStatus: Sendable {
    private let snapshot = Mutex(RelaySnapshot())

    public init() {}

    /// The current snapshot.
    public var current: RelaySnapshot { snapshot.withLock { $0 } }

    func update(_ body: (inout RelaySnapshot) -> Void) {
        snapshot.withLock { body(&$0) }
    }

    func heartbeat() {
        snapshot.withLock { $0.lastHeartbeat = .now }
    }
}
