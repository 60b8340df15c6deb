public import Kafka

/// What the relay is doing, for readiness, systemd `STATUS=`, the watchdog and metrics.
public struct RelaySnapshot: Sendable {
    /// Where the relay is in its life; the raw value is the phase's name.
    public enum Phase: String, Sendable {
        /// `starting`: preparing topics and joining the group; `restoring`: reading the output and the
        /// dead letters of newly assigned partitions to their end; `running`: relaying; `draining`: asked
        /// to stop, committing the open transaction and leaving the group; `stopped`: ``Relay/run()``
        /// returned; `failed`: ``Relay/run()`` threw.
        case starting, restoring, running, draining, stopped, failed
        /// In the group with no input partition assigned (more instances than partitions, a
        /// warm standby): ready, and takes partitions, restoring them first, when the group
        /// gives it some.
        case standingBy = "standing-by"

        /// Restored and running, or standing by.
        public var isReady: Bool { self == .running || self == .standingBy }
    }

    /// Where the relay is.
    public var phase: Phase = .starting
    /// Output partitions restored / to restore in the current restore.
    public var restoredPartitions = 0
    /// The number of output partitions the current restore reads (``restoredPartitions`` is how many
    /// are done).
    public var partitionsToRestore = 0
    /// Records read while restoring, in all.
    public var restoredRecords = 0
    /// Jobs in the dedup table.
    public var trackedJobs = 0
    /// Counters over committed work.
    public var counters = RelayCounters()
    /// Transactions committed and aborted.
    public var transactionsCommitted = 0
    /// Transactions aborted (each one is redone).
    public var transactionsAborted = 0
    /// When the loop last made progress or was healthily idle (for the watchdog).
    public var lastHeartbeat: ContinuousClock.Instant = .now
    /// Per input partition, the offset this instance last committed (the next record to read):
    /// with the partition's end offset, how far behind the relay is in either delivery mode.
    public var committedOffsets: [TopicPartition: Int64] = [:]
    /// The consumer group generation and member id sent with the last transaction's offsets.
    public var lastGroupGeneration: Int32 = -1
    /// The member id sent with the last transaction's offsets.
    public var lastGroupMemberID = ""
    /// Last restore's duration.
    public var lastRestoreDuration: Duration = .zero
    /// Last commit's duration.
    public var lastCommitDuration: Duration = .zero
    /// Input partitions assigned to this instance.
    public var assignedPartitions = 0
    /// Per assigned input partition: records behind the end (the high watermark of the last
    /// fetch) that this instance has not committed yet. Right in both delivery modes (it uses
    /// the relay's own commits, transactional or not); a revoked partition leaves the map.
    public var consumerLag: [TopicPartition: Int64] = [:]
    /// The largest time from an input record's timestamp to the commit that published it, in the last transaction.
    public var lastEndToEndLatency: Duration = .zero
    /// With `input.keying: any`, the first stage (re-keying the input into the repartition
    /// topic); `nil` for keyed input. Its dead letters, input tombstones and lag are part of
    /// this snapshot's counters and maps already.
    public var repartition: RepartitionProgress?

    /// Ready: restored and running, or standing by with no partitions to run (both stages, with
    /// `input.keying: any`).
    public var isReady: Bool {
        (phase == .running || phase == .standingBy) && (repartition.map { $0.phase.isReady } ?? true)
    }

    /// Whether the instance is in the group with no input partition assigned.
    public var isStandingBy: Bool { phase == .standingBy }

    /// The text of a systemd `STATUS=` line.
    public var statusLine: String {
        guard let repartition else { return stageLine }
        return "\(stageLine); re-keying: \(repartition.statusLine)"
    }

    private var stageLine: String {
        switch phase {
        case .starting: "starting"
        case .restoring:
            "restoring \(restoredPartitions)/\(partitionsToRestore) partitions (\(restoredRecords) records)"
        case .running:
            "running: \(assignedPartitions) partitions, \(trackedJobs) jobs, \(counters.consumed) consumed, "
                + "\(counters.published) published"
        case .standingBy:
            "standing by: no input partitions assigned (more instances than partitions); \(trackedJobs) jobs"
        case .draining: "draining"
        case .stopped: "stopped"
        case .failed: "failed"
        }
    }
}

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
        records.withLock { $0[jobID] }
    }

    /// Keeps a restored record while the view has room, or when it already holds the job: a
    /// restore reads every record of its partitions, and a view that made way for each would
    /// end up holding whichever partition came last.
    func keepRestored(_ jobID: String, _ record: [UInt8]?) {
        records.withLock { $0.update(jobID, record) }
    }

    /// Keeps a committed transaction's records under one lock.
    func keep(_ published: [(jobID: String, record: [UInt8])], tombstoned: [String]) {
        guard !published.isEmpty || !tombstoned.isEmpty else { return }
        records.withLock { records in
            for (jobID, record) in published { records.write(jobID, record) }
            for jobID in tombstoned { records.write(jobID, nil) }
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

/// The last records of at least the `capacity` most recently written jobs, and of at most twice
/// as many: two generations of up to `capacity` jobs each. A write goes to the current one; when
/// that is full, it becomes the previous one and the old previous one is dropped whole. A write
/// costs one hash, where evicting the least recently written job one at a time costs three (on
/// the relay's path once per published record).
struct RecentRecords {
    private let capacity: Int
    private var current: [String: [UInt8]] = [:]
    private var previous: [String: [UInt8]] = [:]

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Whether another job fits without dropping a generation.
    var hasRoom: Bool { current.count + previous.count < capacity }

    subscript(jobID: String) -> [UInt8]? {
        current[jobID] ?? previous[jobID]
    }

    /// Writes the job's record, the newest; a full generation then makes way for the next.
    /// `nil` removes the job, and takes no room.
    mutating func write(_ jobID: String, _ record: [UInt8]?) {
        guard let record else { return remove(jobID) }
        guard capacity > 0 else { return }
        current[jobID] = record  // the previous generation's record of the job is shadowed
        if current.count >= capacity {
            previous = current
            current = [:]
        }
    }

    /// Replaces the record of a job the view holds, where it is, or adds one while there is room:
    /// for a restore, which fills the view and never evicts.
    mutating func update(_ jobID: String, _ record: [UInt8]?) {
        guard let record else { return remove(jobID) }
        // A restored job goes to the previous generation: restored records are older than any
        // write, so they go first, and only writes fill the current generation.
        if current[jobID] != nil {
            current[jobID] = record
        } else if previous[jobID] != nil || hasRoom {
            previous[jobID] = record
        }
    }

    private mutating func remove(_ jobID: String) {
        current[jobID] = nil
        previous[jobID] = nil
    }
}
