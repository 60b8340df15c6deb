/// job_id -> what was last published for it (``PublishedState``) and which input record it was
/// published from (``SourcePosition``); plus the jobs recently forgotten by a retention tombstone
/// (``isRecentlyFinished(_:)``).
///
/// Changes made while a transaction is open go to ``pending`` and reach the
/// table only when the transaction commits (``commitPending()``); an abort
/// discards them (``discardPending()``), so the table always mirrors what
/// read_committed readers of the output topic can see.
///
/// Jobs are told apart by their ids' bytes, as Kafka tells record keys apart (``JobKey``).
///
/// Memory: committed jobs are keyed by a 128-bit hash of the id (``JobKey``), in a
/// ``CompactStateTable`` of 48 bytes per job plus its index, whatever the id's length. Only with
/// finished-job retention (``init(tracksFinishedJobs:)``) are the ids and publish times of
/// terminal jobs kept too: the retention sweep writes tombstones keyed by them. The relay's
/// benchmark (`scripts/bench`) measures the real figure per job.
public struct DedupTable: Sendable {
    struct Entry: Sendable {
        var jobID: String
        var state: PublishedState
        var source: SourcePosition?
        /// The output record's timestamp, milliseconds since the epoch.
        var publishedAt: Int64
    }

    /// A terminal job kept for the retention sweep, or a tombstone of the open transaction.
    struct FinishedJob: Sendable {
        var jobID: String
        /// The record's timestamp (the output record's, or the tombstone's), milliseconds since the epoch.
        var publishedAt: Int64
    }

    private var published = CompactStateTable()
    /// With retention: every committed terminal job, by key.
    private var terminal: [JobKey: FinishedJob] = [:]
    private let tracksFinishedJobs: Bool
    /// Publishes of the open transaction.
    private var pending: [JobKey: Entry] = [:]
    /// Retention tombstones of the open transaction: the job -> its id and the tombstone's timestamp.
    private var pendingTombstones: [JobKey: FinishedJob] = [:]
    /// Jobs a committed tombstone forgot: their key -> the tombstone's timestamp.
    private var finished: [JobKey: Int64] = [:]

    /// - Parameter tracksFinishedJobs: keep the ids and publish times of terminal jobs, for
    ///   ``finishedJobs(publishedAtOrBefore:limit:isOwned:)`` (finished-job retention).
    public init(tracksFinishedJobs: Bool = true) {
        self.tracksFinishedJobs = tracksFinishedJobs
    }

    /// The committed entry count.
    public var count: Int { published.count }

    /// How many forgotten jobs are remembered as recently finished.
    public var recentlyFinishedCount: Int { finished.count }

    /// Whether changes of an open transaction are waiting.
    public var hasPending: Bool { !pending.isEmpty || !pendingTombstones.isEmpty }

    /// What was last published for `jobID`, counting the open transaction.
    public subscript(jobID: String) -> PublishedState? {
        self[JobKey(jobID)]
    }

    /// What was last published for the job with this key, counting the open transaction.
    subscript(key: JobKey) -> PublishedState? {
        if !pending.isEmpty, let entry = pending[key] { return entry.state }
        if !pendingTombstones.isEmpty, pendingTombstones[key] != nil { return nil }
        return published.lookup(key)?.state
    }

    /// The input record the last publish for `jobID` came from, counting the open transaction.
    public func lastSource(of jobID: String) -> SourcePosition? {
        lastSource(of: JobKey(jobID))
    }

    /// The input record the last publish for the job with this key came from, counting the open transaction.
    func lastSource(of key: JobKey) -> SourcePosition? {
        if !pending.isEmpty, let entry = pending[key] { return entry.source }
        if !pendingTombstones.isEmpty, pendingTombstones[key] != nil { return nil }
        return published.lookup(key)?.source
    }

    /// What committed transactions published for `jobID`.
    public func committed(_ jobID: String) -> PublishedState? {
        published.lookup(JobKey(jobID))?.state
    }

    /// Whether a retention tombstone forgot `jobID` (committed, or in the open transaction) and
    /// it is still within the horizon: a late event for it is not a new job.
    public func isRecentlyFinished(_ jobID: String) -> Bool {
        if finished.isEmpty && pendingTombstones.isEmpty { return false }  // no retention: no hashing
        return isRecentlyFinished(JobKey(jobID))
    }

    /// ``isRecentlyFinished(_:)`` for the job with this key.
    func isRecentlyFinished(_ key: JobKey) -> Bool {
        if finished.isEmpty && pendingTombstones.isEmpty { return false }
        return pendingTombstones[key] != nil || finished[key] != nil
    }

    /// Records a publish in the open transaction.
    /// - Parameter publishedAt: the output record's timestamp (milliseconds since the epoch).
    public mutating func recordPending(
        _ jobID: String, _ state: PublishedState, source: SourcePosition? = nil, publishedAt: Int64 = 0
    ) {
        recordPending(JobKey(jobID), jobID: jobID, state, source: source, publishedAt: publishedAt)
    }

    /// ``recordPending(_:_:source:publishedAt:)`` with the job's key already computed.
    mutating func recordPending(
        _ key: JobKey, jobID: String, _ state: PublishedState, source: SourcePosition?, publishedAt: Int64
    ) {
        pending[key] = Entry(jobID: jobID, state: state, source: source, publishedAt: publishedAt)
    }

    /// Records a retention tombstone in the open transaction: the job is forgotten when it commits.
    public mutating func recordTombstonePending(_ jobID: String, at timestamp: Int64) {
        pendingTombstones[JobKey(jobID)] = FinishedJob(jobID: jobID, publishedAt: timestamp)
    }

    /// Makes the open transaction's changes permanent.
    public mutating func commitPending() {
        if !pending.isEmpty {
            for (key, entry) in pending {
                set(key, entry)
            }
            pending.removeAll(keepingCapacity: true)
        }
        for (key, tombstone) in pendingTombstones {
            forget(key, rememberingAt: tombstone.publishedAt)
        }
        pendingTombstones.removeAll(keepingCapacity: true)
    }

    /// Forgets the open transaction's changes (after an abort).
    public mutating func discardPending() {
        pending.removeAll(keepingCapacity: true)
        pendingTombstones.removeAll(keepingCapacity: true)
    }

    /// Records what the output topic already holds (restore), outside any transaction; `nil`
    /// (a tombstone) forgets the job, and with `remembersTombstone` (retention on) remembers it
    /// as recently finished.
    ///
    /// A record never replaces a committed one published from a *later* record of the same input
    /// partition: the table already holds newer news of the job. That happens when a restore
    /// re-reads output this instance wrote itself and stops short of its last commit (a read
    /// ends at the last stable offset, which may lie before that commit's markers), and without
    /// this rule an older state of the job would replace the newer one (issue 24, defect 3).
    /// - Parameter timestamp: the output record's timestamp (milliseconds since the epoch).
    /// - Returns: whether the record was taken (`false`: the table holds newer news of the job).
    @discardableResult
    public mutating func restore(
        _ jobID: String, _ state: PublishedState?, source: SourcePosition? = nil, timestamp: Int64 = 0,
        remembersTombstone: Bool = false
    ) -> Bool {
        let key = JobKey(jobID)
        guard let state else {
            forget(key, rememberingAt: remembersTombstone ? timestamp : nil)
            return true
        }
        if let source, let kept = published.lookup(key)?.source,
            kept.covers(topicIndex: source.topicIndex, partition: source.partition, offset: source.offset),
            kept.offset > source.offset
        {
            return false
        }
        set(key, Entry(jobID: jobID, state: state, source: source, publishedAt: timestamp))
        return true
    }

    /// Reserves room for `count` jobs (restore knows roughly how many to expect).
    public mutating func reserveCapacity(_ count: Int) {
        published.reserveCapacity(count)
    }

    private mutating func set(_ key: JobKey, _ entry: Entry) {
        published.set(key, entry.state, source: entry.source)
        guard tracksFinishedJobs else { return }
        if entry.state.isTerminal {
            terminal[key] = FinishedJob(jobID: entry.jobID, publishedAt: entry.publishedAt)
        } else if !terminal.isEmpty {
            terminal.removeValue(forKey: key)
        }
    }

    /// Forgets a committed job; with a timestamp, remembers it as recently finished.
    private mutating func forget(_ key: JobKey, rememberingAt timestamp: Int64?) {
        published.remove(key)
        terminal.removeValue(forKey: key)
        if let timestamp { finished[key] = timestamp }
    }

    /// Committed jobs that have been terminal since `cutoff` or earlier, with no change in the
    /// open transaction, that `isOwned` accepts (given the job and its source): at most `limit`.
    /// Empty unless the table tracks finished jobs.
    func finishedJobs(
        publishedAtOrBefore cutoff: Int64, limit: Int, isOwned: (String, SourcePosition?) -> Bool
    ) -> [String] {
        var jobs: [String] = []
        for (key, job) in terminal
        where job.publishedAt <= cutoff && isUnchangedInTransaction(key)
            && isOwned(job.jobID, published.lookup(key)?.source)
        {
            jobs.append(job.jobID)
            if jobs.count >= limit { break }
        }
        return jobs
    }

    /// Whether `jobID` is committed, terminal since `cutoff` or earlier, and unchanged in the
    /// open transaction. Always false unless the table tracks finished jobs.
    func isFinished(_ jobID: String, publishedAtOrBefore cutoff: Int64) -> Bool {
        let key = JobKey(jobID)
        guard let job = terminal[key] else { return false }
        return job.publishedAt <= cutoff && isUnchangedInTransaction(key)
    }

    private func isUnchangedInTransaction(_ key: JobKey) -> Bool {
        pending[key] == nil && pendingTombstones[key] == nil
    }

    /// Forgets recently finished jobs whose tombstone is older than `cutoff`: after the horizon,
    /// an event for such a job starts it anew.
    mutating func forgetFinished(before cutoff: Int64) {
        finished = finished.filter { $0.value >= cutoff }
    }
}

/// Where a published record came from: an input topic (by its index in `input.topics`),
/// partition and offset.
///
/// A job's records all go to one output partition, in order, so if the output holds a
/// job's record from input offset N, every record of that job *before* N in the same input
/// partition was handled (published before it, or dropped): a replay of one of them is a
/// duplicate, even when it left no output of its own. Without this, a replayed event that
/// was dropped the first time (an equal-rank "RUNNING 0.25" after "RUNNING 0.75") would be
/// judged against a later state and published.
public struct SourcePosition: Hashable, Sendable {
    public var topicIndex: Int16
    public var partition: Int32
    public var offset: Int64

    public init(topicIndex: Int16, partition: Int32, offset: Int64) {
        self.topicIndex = topicIndex
        self.partition = partition
        self.offset = offset
    }

    /// Whether the record at `offset` of the same topic and partition comes at or before this one.
    public func covers(topicIndex: Int16, partition: Int32, offset: Int64) -> Bool {
        self.topicIndex == topicIndex && self.partition == partition && offset <= self.offset
    }
}
