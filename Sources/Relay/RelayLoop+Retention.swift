import Kafka

/// `output.finished-retention`: a job terminal for longer than the retention gets a tombstone
/// (key = job_id, null value) in a transaction like every other output, and the table forgets
/// it when that commits; a late event for it within `output.finished-horizon` is dropped as
/// `after_terminal` (``DedupTable/isRecentlyFinished(_:)``).
///
/// - "Terminal since" is the timestamp of the job's terminal output record, which the relay
///   sets from its ``AnchoredClock`` and a restore reads back: restarts keep it, and a
///   wall-clock jump during a run moves nothing.
/// - Only the member that owns the input partition of a job's last published record writes its
///   tombstone (every member may hold the job after a restore), so a rebalance hands the duty
///   over with the partition and no tombstone is written twice.
/// - The table is scanned at most every `retention / 100` (1 s to 60 s), at most
///   `transaction.max-records` tombstones per transaction; a backlog is swept again at once.
extension RelayLoop {
    /// How often the table is scanned for jobs past the retention.
    static func sweepInterval(retention: Duration) -> Duration {
        min(max(retention / 100, .seconds(1)), .seconds(60))
    }

    /// Scans the table if a sweep is due: the owned jobs whose tombstone is due, kept for
    /// ``writeTombstones(_:)``.
    func collectFinishedJobs(now instant: ContinuousClock.Instant = .now) {
        guard let retention = configuration.finishedRetention, dueTombstones.isEmpty, instant >= nextSweep else {
            return
        }
        let now = clock.milliseconds(at: instant)
        table.forgetFinished(before: now - configuration.finishedHorizon.wholeMilliseconds)
        let limit = max(1, configuration.maxRecordsPerTransaction)
        dueTombstones = table.finishedJobs(
            publishedAtOrBefore: now - retention.wholeMilliseconds, limit: limit, isOwned: owns)
        nextSweep = dueTombstones.count >= limit ? instant : instant + Self.sweepInterval(retention: retention)
    }

    /// Writes the due tombstones in the open transaction (after its records).
    func writeTombstones(_ transaction: inout OpenTransaction) async throws(RecordFailure) {
        guard !dueTombstones.isEmpty else { return }
        let jobs = dueTombstones
        dueTombstones = []
        let now = clock.milliseconds()
        let committed = relay.status.current.committedOffsets
        transaction.commitUnchanged(
            assigned.compactMap { partition in
                committed[partition].map { TopicPartitionOffset(partition, KafkaOffset(rawValue: $0)) }
            })
        for jobID in jobs where table[jobID]?.isTerminal == true && owns(table.lastSource(of: jobID)) {
            let tombstone = KafkaOutgoingMessage(
                topic: configuration.outputTopic, key: Array(jobID.utf8), value: nil, timestampMilliseconds: now)
            do {
                try await producer.send(tombstone)
            } catch {
                throw .produce(error)
            }
            table.recordTombstonePending(jobID, at: now)
            transaction.tombstoned.append(jobID)
            transaction.counters.finishedTombstones += 1
        }
    }

    /// Whether this member writes the tombstone of a job last published from `source`.
    func owns(_ source: SourcePosition?) -> Bool {
        guard let source, configuration.inputTopics.indices.contains(Int(source.topicIndex)) else { return false }
        return assigned.contains(TopicPartition(configuration.inputTopics[Int(source.topicIndex)], source.partition))
    }
}

extension Duration {
    /// Whole milliseconds (rounded down).
    var wholeMilliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
