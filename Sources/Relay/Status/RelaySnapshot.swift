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
    /// Transactions committed.
    public var transactionsCommitted = 0
    /// Transactions aborted (each one is redone).
    public var transactionsAborted = 0
    /// When the loop last made progress or was healthily idle (for the watchdog).
    public var lastHeartbeat: ContinuousClock.Instant = .now
    /// Per input partition, the offset this instance last committed (the next record to read):
    /// with the partition's end offset, how far behind the relay is in either delivery mode.
    public var committedOffsets: [TopicPartition: KafkaOffset] = [:]
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
