/// job_id -> what was last published for it (``PublishedState``) and which input record it was
/// published from (``SourcePosition``); plus the jobs recently forgotten by a retention tombstone
/// (``isRecentlyFinished(_:pending:)``).
///
/// The table holds what committed transactions published, and only that: it mirrors what
/// read_committed readers of the output topic can see. The changes of an open transaction are a
/// ``Pending`` value of the transaction's own (``OpenTransaction``); the lookups read the table
/// through them, and a commit applies them (``apply(_:)``). An abort drops the transaction and
/// its changes with it: nothing here needs discarding.
///
/// Jobs are told apart by their ids' bytes, as Kafka tells record keys apart (``JobKey``).
///
/// Memory: committed jobs are keyed by a 128-bit hash of the id (``JobKey``), in a
/// ``CompactStateTable`` of 48 bytes per job plus its index, whatever the id's length. Only with
/// finished-job retention (``init(tracksFinishedJobs:)``) are the ids and publish times of
/// terminal jobs kept too: the retention sweep writes tombstones keyed by them. The relay's
/// benchmark (`scripts/bench`) measures the real figure per job.
public struct DedupTable: Sendable {
    struct Entry: Equatable, Sendable {
        /// Empty unless the table tracks finished jobs (``pendingID(of:)``).
        var jobID: String
        var state: PublishedState
        var source: SourcePosition?
        /// The output record's timestamp, milliseconds since the epoch.
        var publishedAt: Int64
    }

    /// A terminal job kept for the retention sweep, or a tombstone of the open transaction.
    struct FinishedJob: Equatable, Sendable {
        var jobID: String
        /// The record's timestamp (the output record's, or the tombstone's), milliseconds since the epoch.
        var publishedAt: Int64
    }

    private var published = CompactStateTable()
    /// With retention: every committed terminal job, by key.
    private var terminal: [JobKey: FinishedJob] = [:]
    private let tracksFinishedJobs: Bool
    /// Jobs a committed tombstone forgot: their key -> the tombstone's timestamp.
    private var finished: [JobKey: Int64] = [:]

    /// - Parameter tracksFinishedJobs: keep the ids and publish times of terminal jobs, for
    ///   ``finishedJobs(publishedAtOrBefore:limit:pending:isOwned:)`` (finished-job retention).
    public init(tracksFinishedJobs: Bool = true) {
        self.tracksFinishedJobs = tracksFinishedJobs
    }

    /// The id a ``Pending`` publish keeps of `jobID`: the id itself when the table tracks finished
    /// jobs (a commit keeps terminal jobs' ids, for the retention sweep), else an empty one, which
    /// holds no storage: a commit's thousands of publishes then hold no reference, and copying
    /// and dropping them touches none (the ids' storage is cold by then, and its reference
    /// counting was about 3 % of the relay's samples).
    func pendingID(of jobID: String) -> String {
        tracksFinishedJobs ? jobID : ""
    }

    /// The committed entry count.
    public var count: Int { published.count }

    /// How many forgotten jobs are remembered as recently finished.
    public var recentlyFinishedCount: Int { finished.count }

    /// What was last published for `jobID`, counting the changes `pending` (an open transaction's).
    public subscript(jobID: String, pending pending: Pending) -> PublishedState? {
        self[JobKey(jobID), pending: pending]
    }

    /// What was last published for the job with this key, counting the changes `pending`.
    subscript(key: JobKey, pending pending: Pending) -> PublishedState? {
        switch pending.change(of: key) {
        case .published(let state, _): state
        case .forgotten: nil
        case nil: published.lookup(key)?.state
        }
    }

    /// The input record the last publish for `jobID` came from, counting the changes `pending`.
    public func lastSource(of jobID: String, pending: Pending) -> SourcePosition? {
        lastSource(of: JobKey(jobID), pending: pending)
    }

    /// The input record the last publish for the job with this key came from, counting the changes `pending`.
    func lastSource(of key: JobKey, pending: Pending) -> SourcePosition? {
        switch pending.change(of: key) {
        case .published(_, let source): source
        case .forgotten: nil
        case nil: published.lookup(key)?.source
        }
    }

    /// The last publish for the job with this key and the input record it came from, counting
    /// the changes `pending`: what ``subscript(key:pending:)`` and ``lastSource(of:pending:)``
    /// give, in one lookup (the relay judges a record and checks its coverage with both).
    func lastPublish(of key: JobKey, pending: Pending) -> (state: PublishedState, source: SourcePosition?)? {
        switch pending.change(of: key) {
        case .published(let state, let source): (state, source)
        case .forgotten: nil
        case nil: published.lookup(key)
        }
    }

    /// Asks the CPU for what looking up `keys` in the committed table reads (``CompactStateTable/prefetch(_:)``).
    func prefetch(_ keys: some Collection<JobKey>) {
        published.prefetch(keys)
    }

    /// What committed transactions published for `jobID`.
    public func committed(_ jobID: String) -> PublishedState? {
        published.lookup(JobKey(jobID))?.state
    }

    /// Whether a retention tombstone forgot `jobID` (committed, or among the changes `pending`) and
    /// it is still within the horizon: a late event for it is not a new job.
    public func isRecentlyFinished(_ jobID: String, pending: Pending) -> Bool {
        if finished.isEmpty && !pending.hasTombstones { return false }  // no retention: no hashing
        return isRecentlyFinished(JobKey(jobID), pending: pending)
    }

    /// ``isRecentlyFinished(_:pending:)`` for the job with this key.
    func isRecentlyFinished(_ key: JobKey, pending: Pending) -> Bool {
        if finished.isEmpty && !pending.hasTombstones { return false }
        return pending.hasTombstone(key) || finished[key] != nil
    }

    /// Makes a committed transaction's changes permanent: each job's last change (a job has
    /// either a publish or a tombstone in `pending`, never both).
    public mutating func apply(_ pending: Pending) {
        // By runs, each run's cache lines asked for first (``CompactStateTable/prefetch(_:)``):
        // a commit writes thousands of jobs spread over the table, and each write waited for
        // memory at its first compare (about a third of the relay's time in this call).
        let publishes = pending.publishes
        var start = publishes.startIndex
        while start != publishes.endIndex {
            let end =
                publishes.index(start, offsetBy: Self.applyRun, limitedBy: publishes.endIndex) ?? publishes.endIndex
            published.prefetch(publishes.keys[start..<end])
            for (key, entry) in publishes[start..<end] { set(key, entry) }
            start = end
        }
        for (key, tombstone) in pending.tombstones {
            forget(key, rememberingAt: tombstone.publishedAt)
        }
    }

    /// The publishes ``apply(_:)`` writes after one prefetch: enough that the loads overlap, few
    /// enough that the lines are still in cache when written.
    static let applyRun = 32

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
        restore(
            JobKey(jobID), jobID: jobID, state, source: source, timestamp: timestamp,
            remembersTombstone: remembersTombstone)
    }

    /// ``restore(_:_:source:timestamp:remembersTombstone:)`` for the job with this key; its id is
    /// made only when the table keeps it (a terminal job, with finished-job retention).
    mutating func restore(
        _ key: JobKey, jobID: @autoclosure () -> String, _ state: PublishedState?, source: SourcePosition?,
        timestamp: Int64, remembersTombstone: Bool
    ) -> Bool {
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
        set(key, state, source: source, publishedAt: timestamp, jobID: jobID())
        return true
    }

    /// Reserves room for `count` jobs (restore knows roughly how many to expect).
    public mutating func reserveCapacity(_ count: Int) {
        published.reserveCapacity(count)
    }

    private mutating func set(_ key: JobKey, _ entry: Entry) {
        set(key, entry.state, source: entry.source, publishedAt: entry.publishedAt, jobID: entry.jobID)
    }

    /// Sets a committed job; its id is made only when it is kept (a terminal job, with retention).
    private mutating func set(
        _ key: JobKey, _ state: PublishedState, source: SourcePosition?, publishedAt: Int64,
        jobID: @autoclosure () -> String
    ) {
        published.set(key, state, source: source)
        guard tracksFinishedJobs else { return }
        if state.isTerminal {
            terminal[key] = FinishedJob(jobID: jobID(), publishedAt: publishedAt)
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

    /// Committed jobs that have been terminal since `cutoff` or earlier, with no change in
    /// `pending` (the open transaction's), that `isOwned` accepts (given the job and its source):
    /// at most `limit`. Empty unless the table tracks finished jobs.
    func finishedJobs(
        publishedAtOrBefore cutoff: Int64, limit: Int, pending: Pending, isOwned: (String, SourcePosition?) -> Bool
    ) -> [String] {
        var jobs: [String] = []
        for (key, job) in terminal
        where job.publishedAt <= cutoff && pending.change(of: key) == nil
            && isOwned(job.jobID, published.lookup(key)?.source)
        {
            jobs.append(job.jobID)
            if jobs.count >= limit { break }
        }
        return jobs
    }

    /// Whether `jobID` is committed, terminal since `cutoff` or earlier, and unchanged in
    /// `pending` (the open transaction's changes). Always false unless the table tracks finished jobs.
    func isFinished(_ jobID: String, publishedAtOrBefore cutoff: Int64, pending: Pending) -> Bool {
        let key = JobKey(jobID)
        guard let job = terminal[key] else { return false }
        return job.publishedAt <= cutoff && pending.change(of: key) == nil
    }

    /// Forgets recently finished jobs whose tombstone is older than `cutoff`: after the horizon,
    /// an event for such a job starts it anew.
    mutating func forgetFinished(before cutoff: Int64) {
        finished = finished.filter { $0.value >= cutoff }
    }
}
