import Kafka

/// A thread-safe holder of the relay's ``RelaySnapshot`` and of a bounded view of the
/// canonical records it published last (for `/jobs/{job_id}`).
public final class RelayStatus: Sendable {
    private let snapshot = Locked(RelaySnapshot())
    private let records: Locked<RecentRecords>
    private let repartitionStage = Locked<RelayStatus?>(nil)

    /// - Parameter recordsKept: for how many of the jobs written last to keep the last record at
    ///   least, for lookups (0: none); up to twice as many are kept.
    public init(recordsKept: Int = 10_000) {
        records = Locked(RecentRecords(capacity: recordsKept))
    }

    /// The last canonical record published (or restored) for `jobID`, if this instance keeps it.
    public func record(for jobID: String) -> [UInt8]? {
        let key = JobKey(jobID)
        return records.withLock { $0[key] }
    }

    /// Keeps a restored record while the view has room, or when it already holds the job: a
    /// restore reads every record of its partitions, and a view that made way for each would
    /// end up holding whichever partition came last. `record` (`nil`: a tombstone) is made only
    /// when it is kept.
    func keepRestored(_ key: JobKey, _ record: () -> [UInt8]?) {
        records.withLock { $0.update(key, record) }
    }

    /// Keeps a committed transaction's records under one lock.
    func keep(_ published: [(key: JobKey, record: [UInt8])], tombstoned: [String]) {
        guard !published.isEmpty || !tombstoned.isEmpty else { return }
        records.withLock { records in
            records.write(contentsOf: published)
            for jobID in tombstoned { records.write(JobKey(jobID), nil) }
        }
    }

    /// The current snapshot, with the repartition stage's part merged in when there is one.
    public var current: RelaySnapshot {
        var current = snapshot.withLock { $0 }
        if let stage = repartitionStage.withLock({ $0 }) { current.merge(repartitionStage: stage.current) }
        return current
    }

    /// Where the first stage of `input.keying: any` reports; ``current`` merges it in.
    func repartitionStatus() -> RelayStatus {
        repartitionStage.withLock { stage in
            if let stage { return stage }
            let created = RelayStatus(recordsKept: 0)
            stage = created
            return created
        }
    }

    func update(_ body: (inout RelaySnapshot) -> Void) {
        snapshot.withLock { body(&$0) }
    }

    func heartbeat() {
        snapshot.withLock { $0.lastHeartbeat = .now }
    }
}
