/// job_id -> what was last published for it (``PublishedState``), which input record it was
/// published from (``SourcePosition``) and when (the output record's timestamp); plus the
/// jobs recently forgotten by a retention tombstone (``isRecentlyFinished(_:)``).
///
/// Changes made while a transaction is open go to ``pending`` and reach the
/// table only when the transaction commits (``commitPending()``); an abort
/// discards them (``discardPending()``), so the table always mirrors what
/// read_committed readers of the output topic can see.
///
/// Memory: an entry is a ``PublishedState`` (32 bytes with its order), a ``SourcePosition``
/// (14 bytes) and a timestamp, padded, plus the dictionary's 16-byte `String` key and its
/// load-factor slack; ids longer than 15 bytes also have their bytes on the heap. A recently
/// finished job costs its 128-bit id hash and a timestamp. The relay's benchmark measures the
/// real figure per job.
public struct DedupTable: Sendable {
    struct Entry: Sendable {
        var state: PublishedState
        var source: SourcePosition?
        /// The output record's timestamp, milliseconds since the epoch.
        var publishedAt: Int64
    }

    private var published: [String: Entry] = [:]
    private var pending: [String: Entry] = [:]
    /// Retention tombstones of the open transaction: job id -> the tombstone's timestamp.
    private var pendingTombstones: [String: Int64] = [:]
    /// Jobs a committed tombstone forgot: the job id's 128-bit hash -> the tombstone's timestamp.
    private var finished: [Fingerprint: Int64] = [:]

    public init() {}

    /// The committed entry count.
    public var count: Int { published.count }

    /// How many forgotten jobs are remembered as recently finished.
    public var recentlyFinishedCount: Int { finished.count }

    /// Whether changes of an open transaction are waiting.
    public var hasPending: Bool { !pending.isEmpty || !pendingTombstones.isEmpty }

    /// What was last published for `jobID`, counting the open transaction.
    public subscript(jobID: String) -> PublishedState? {
        if let entry = pending[jobID] { return entry.state }
        if pendingTombstones[jobID] != nil { return nil }
        return published[jobID]?.state
    }

    /// The input record the last publish for `jobID` came from, counting the open transaction.
    public func lastSource(of jobID: String) -> SourcePosition? {
        if let entry = pending[jobID] { return entry.source }
        if pendingTombstones[jobID] != nil { return nil }
        return published[jobID]?.source
    }

    /// What committed transactions published for `jobID`.
    public func committed(_ jobID: String) -> PublishedState? {
        published[jobID]?.state
    }

    /// Whether a retention tombstone forgot `jobID` (committed, or in the open transaction) and
    /// it is still within the horizon: a late event for it is not a new job.
    public func isRecentlyFinished(_ jobID: String) -> Bool {
        if finished.isEmpty && pendingTombstones.isEmpty { return false }  // no retention: no hashing
        return pendingTombstones[jobID] != nil || finished[Self.idHash(jobID)] != nil
    }

    /// Records a publish in the open transaction.
    /// - Parameter publishedAt: the output record's timestamp (milliseconds since the epoch).
    public mutating func recordPending(
        _ jobID: String, _ state: PublishedState, source: SourcePosition? = nil, publishedAt: Int64 = 0
    ) {
        pending[jobID] = Entry(state: state, source: source, publishedAt: publishedAt)
    }

    /// Records a retention tombstone in the open transaction: the job is forgotten when it commits.
    public mutating func recordTombstonePending(_ jobID: String, at timestamp: Int64) {
        pendingTombstones[jobID] = timestamp
    }

    /// Makes the open transaction's changes permanent.
    public mutating func commitPending() {
        if !pending.isEmpty {
            published.merge(pending) { _, new in new }
            pending.removeAll(keepingCapacity: true)
        }
        for (jobID, timestamp) in pendingTombstones {
            published.removeValue(forKey: jobID)
            finished[Self.idHash(jobID)] = timestamp
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
    /// - Parameter timestamp: the output record's timestamp (milliseconds since the epoch).
    public mutating func restore(
        _ jobID: String, _ state: PublishedState?, source: SourcePosition? = nil, timestamp: Int64 = 0,
        remembersTombstone: Bool = false
    ) {
        guard let state else {
            published.removeValue(forKey: jobID)
            if remembersTombstone { finished[Self.idHash(jobID)] = timestamp }
            return
        }
        published[jobID] = Entry(state: state, source: source, publishedAt: timestamp)
    }

    /// Reserves room for `count` jobs (restore knows roughly how many to expect).
    public mutating func reserveCapacity(_ count: Int) {
        published.reserveCapacity(count)
    }

    /// Committed jobs that have been terminal since `cutoff` or earlier, with no change in the
    /// open transaction, that `isOwned` accepts (given the job and its source): at most `limit`.
    func finishedJobs(
        publishedAtOrBefore cutoff: Int64, limit: Int, isOwned: (String, SourcePosition?) -> Bool
    ) -> [String] {
        var jobs: [String] = []
        for (jobID, entry) in published
        where isFinished(jobID, entry, publishedAtOrBefore: cutoff) && isOwned(jobID, entry.source) {
            jobs.append(jobID)
            if jobs.count >= limit { break }
        }
        return jobs
    }

    /// Whether `jobID` is committed, terminal since `cutoff` or earlier, and unchanged in the
    /// open transaction.
    func isFinished(_ jobID: String, publishedAtOrBefore cutoff: Int64) -> Bool {
        published[jobID].map { isFinished(jobID, $0, publishedAtOrBefore: cutoff) } ?? false
    }

    private func isFinished(_ jobID: String, _ entry: Entry, publishedAtOrBefore cutoff: Int64) -> Bool {
        entry.state.isTerminal && entry.publishedAt <= cutoff && pending[jobID] == nil
            && pendingTombstones[jobID] == nil
    }

    /// Forgets recently finished jobs whose tombstone is older than `cutoff`: after the horizon,
    /// an event for such a job starts it anew.
    mutating func forgetFinished(before cutoff: Int64) {
        finished = finished.filter { $0.value >= cutoff }
    }

    static func idHash(_ jobID: String) -> Fingerprint {
        var id = jobID
        return id.withUTF8 { Fingerprint(of: UnsafeRawBufferPointer($0)) }
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
