import Kafka

/// `output.finished-retention`: a job terminal for longer than the retention gets a tombstone
/// (key = job_id, null value) in a transaction like every other output, and the table forgets
/// it when that commits; a late event for it within `output.finished-horizon` is dropped as
/// `after_terminal` (``DedupTable/isRecentlyFinished(_:pending:)``).
///
/// - "Terminal since" is the timestamp of the job's terminal output record, which the relay
///   sets from its ``AnchoredClock`` and a restore reads back: restarts keep it, and a
///   wall-clock jump during a run moves nothing.
/// - Only the member that owns the input partition of a job's last published record writes its
///   tombstone (every member may hold the job after a restore), so a rebalance hands the duty
///   over with the partition and no tombstone is written twice.
/// - ``RetentionSweep`` says when the table is scanned: at most every `retention / 100` (1 s
///   to 60 s), at most `transaction.max-records` records and tombstones per transaction; a
///   backlog is swept again at once.
extension RelayLoop {
    /// Scans the table if a sweep is due and no tombstones are due `besides`: the owned jobs
    /// whose tombstone is due, unchanged in `pending` (the open transaction's changes), for
    /// ``writeTombstones(_:)`` to write in a transaction. Jobs another member owns stay until a
    /// restore reads their tombstone: forgetting them here could leave a job with no tombstone at
    /// all, should its partition come here later (a restore reads only what is new since the
    /// last one).
    func collectFinishedJobs(
        besides due: [String], pending: DedupTable.Pending, now instant: ContinuousClock.Instant = .now
    ) -> [String] {
        guard var sweep, due.isEmpty, sweep.isDue(at: instant) else { return [] }
        let now = clock.milliseconds(at: instant)
        table.forgetFinished(before: sweep.horizonCutoff(now: now))
        let found = table.finishedJobs(
            publishedAtOrBefore: sweep.retentionCutoff(now: now), limit: sweep.limit, pending: pending
        ) { ownership.owns($0, $1) }
        sweep.swept(found: found.count, at: instant)
        self.sweep = sweep
        return found
    }

    /// Writes the transaction's due tombstones, as many as `transaction.max-records` leaves room
    /// for (the rest stay due, for the next transaction). In exactly-once mode a transaction of tombstones
    /// alone must carry offsets, whose group generation fences a member that lost its
    /// partitions (KIP-447): without any known offset they wait for input.
    func writeTombstones(_ transaction: inout OpenTransaction) async throws(RecordFailure) {
        let room = configuration.maxRecordsPerTransaction - transaction.recordCount
        guard !transaction.dueTombstones.isEmpty, room > 0 else { return }
        transaction.commitUnchanged(ownership.ownedGroupOffsets)
        if isExactlyOnce && transaction.commitOffsets.isEmpty {
            logger.debug(
                "tombstones wait for an offset to commit with them",
                metadata: ["due": "\(transaction.dueTombstones.count)"])
            transaction.dueTombstones = []
            sweep?.postpone(from: .now)
            return
        }
        let jobs = transaction.dueTombstones.prefix(room)
        transaction.dueTombstones.removeFirst(jobs.count)
        let now = clock.milliseconds()
        // Checked again: a job may have changed since the scan (under `dedup.ordering: arrival` a
        // new final status can follow), and a fresh final record must not be tombstoned.
        let cutoff = sweep?.retentionCutoff(now: now) ?? now
        for jobID in jobs
        where table.isFinished(jobID, publishedAtOrBefore: cutoff, pending: transaction.pending.jobs)
            && ownership.owns(jobID, table.lastSource(of: jobID, pending: transaction.pending.jobs))
        {
            let tombstone = KafkaOutgoingMessage(
                topic: configuration.outputTopic, key: Array(jobID.utf8), value: nil,
                headers: [KafkaHeader(name: Self.retentionHeader, value: Array("finished-retention".utf8))],
                timestampMilliseconds: now)
            do {
                try await producer.send(tombstone)
            } catch {
                throw .produce(error)
            }
            transaction.pending.jobs.recordTombstone(jobID, at: now)
            transaction.tombstoned.append(jobID)
            transaction.counters.finishedTombstones += 1
        }
    }

    /// Marks jobstatusd's retention tombstones: a restore remembers only these as recently
    /// finished (an operator's tombstone just removes the job).
    static let retentionHeader = "jobstatusd.tombstone"
}
