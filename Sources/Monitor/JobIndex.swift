import DequeModule

/// Every job's latest record in the compacted output topic, and the transitions seen since
/// the monitor started, bounded per job and in total: the state behind `jobstatusd monitor`.
///
/// Records go in in topic order (``apply(key:value:timestamp:seenAt:)``); a value equal to the
/// job's current one (a re-read after a reconnect) changes nothing. The records of the first read
/// (applied without `seenAt`) are the topic's history, not transitions seen: each becomes its
/// job's latest record and nothing more, so that the first read of a million jobs costs little
/// more than the restore's and keeps no history per job. Pages list jobs most
/// recently changed first, from a change log in sequence order; entries a later change made
/// stale are skipped and dropped once they outnumber the live ones, so a page costs at most a
/// scan of the log, and memory stays proportional to the jobs plus the bounded transitions.
public struct JobIndex: Sendable {
    /// How much history the index keeps.
    public struct Limits: Sendable, Equatable {
        /// Transitions kept per job (its detail view).
        public var transitionsPerJob: Int
        /// Transitions kept in all, jobs' histories and removals together (`Last-Event-ID` reaches this far).
        public var transitions: Int
        /// Seconds of transitions-per-second kept for the summary.
        public var rateWindow: Int

        public init(transitionsPerJob: Int = 20, transitions: Int = 100_000, rateWindow: Int = 300) {
            self.transitionsPerJob = max(1, transitionsPerJob)
            self.transitions = max(1, transitions)
            self.rateWindow = max(1, rateWindow)
        }
    }

    public let limits: Limits
    private var jobs: [MonitoredJob?] = []
    /// The kept transitions of the jobs that have any, by slot.
    private var histories: [Int: Deque<JobTransition>] = [:]
    private var slotByID: [String: Int] = [:]
    private var freeSlots: [Int] = []
    /// (sequence, slot) of every change, in sequence order; stale when the slot's job has moved on.
    private var changes: [(sequence: UInt64, slot: Int)] = []
    /// Every transition and removal kept, in sequence order.
    private var recent: Deque<JobTransition> = []
    private var statusCounts = NameCounts()
    private var backendCounts = NameCounts()
    private var rate: TransitionRate
    /// The sequence number of the last transition (0: none yet).
    public private(set) var lastSequence: UInt64 = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
        self.rate = TransitionRate(window: limits.rateWindow)
    }

    /// The number of jobs in the topic, as read so far.
    public var count: Int { slotByID.count }

    /// The change log's length, stale entries included (tests check its bound).
    var changeLogCount: Int { changes.count }

    /// Applies one record of the output topic; returns the transition it made, or nil when it
    /// made none (no key, the job's current value again, a tombstone for no job, or a record
    /// of the first read).
    /// - Parameters:
    ///   - timestamp: the record's timestamp, milliseconds since the epoch.
    ///   - seenAt: when the monitor read it, seconds since the epoch, for the transitions-per-second
    ///     rate. nil for the first read of the topic: history, not traffic. Such a record changes
    ///     the job but is not a transition: it is not in the job's history, the rate, or what
    ///     ``transitions(after:)`` resumes (a client from before it reloads).
    @discardableResult
    public mutating func apply(key: [UInt8]?, value: [UInt8]?, timestamp: Int64, seenAt: Int64?) -> JobTransition? {
        guard let key else { return nil }
        let jobID = String(decoding: key, as: UTF8.self)
        guard let value else { return remove(jobID, at: timestamp, seenAt: seenAt) }
        let (target, isNew) = slot(for: jobID)
        if !isNew, jobs[target]?.record == value { return nil }
        lastSequence += 1
        let job = MonitoredJob(jobID: jobID, record: value, changedAt: timestamp, sequence: lastSequence)
        if let previous = jobs[target] { untally(previous) }
        jobs[target] = job
        tally(job)
        changes.append((lastSequence, target))
        compactChangesIfStale()
        guard let seenAt else {
            forgetHistory()
            return nil
        }
        let transition = JobTransition(
            sequence: lastSequence, jobID: jobID,
            change: .status(job.status, message: job.statusMessage, backend: job.backend), at: timestamp)
        histories[target, default: []].append(transition)
        if histories[target, default: []].count > limits.transitionsPerJob { histories[target]?.removeFirst() }
        remember(transition, seenAt: seenAt)
        return transition
    }

    private mutating func remove(_ jobID: String, at timestamp: Int64, seenAt: Int64?) -> JobTransition? {
        guard let slot = slotByID.removeValue(forKey: jobID), let job = jobs[slot] else { return nil }
        untally(job)
        jobs[slot] = nil
        histories[slot] = nil
        freeSlots.append(slot)
        lastSequence += 1
        compactChangesIfStale()
        guard let seenAt else {
            forgetHistory()
            return nil
        }
        let transition = JobTransition(sequence: lastSequence, jobID: jobID, change: .removed, at: timestamp)
        remember(transition, seenAt: seenAt)
        return transition
    }

    /// A change that is not a transition (the first read's) breaks the run of transitions that
    /// ``transitions(after:)`` resumes from: nothing before it can be resumed any more.
    private mutating func forgetHistory() {
        if !recent.isEmpty { recent.removeAll() }
    }

    /// The job's slot, given it a free one when it is new: one hash of the job_id either way.
    private mutating func slot(for jobID: String) -> (slot: Int, isNew: Bool) {
        let candidate = freeSlots.last ?? jobs.count
        // Read through the inout default: it inserts `candidate` when the job is new, and a job
        // already here never holds a free slot or the next one.
        let slot = Self.claim(&slotByID[jobID, default: candidate])
        guard slot == candidate else { return (slot, false) }
        if freeSlots.last == slot {
            freeSlots.removeLast()
        } else {
            jobs.append(nil)
        }
        return (slot, true)
    }

    private static func claim(_ slot: inout Int) -> Int { slot }

    /// Makes room for `jobs` jobs at once, instead of growing as they come (the first read of a
    /// large topic: each growth rehashes every job_id).
    public mutating func reserveCapacity(_ jobs: Int) {
        slotByID.reserveCapacity(jobs)
        self.jobs.reserveCapacity(jobs)
        changes.reserveCapacity(jobs)
    }

    /// Keeps `transition` in the total bound; the oldest one kept leaves its job's history too.
    private mutating func remember(_ transition: JobTransition, seenAt: Int64?) {
        if let seenAt { rate.record(atSecond: seenAt) }
        recent.append(transition)
        guard recent.count > limits.transitions, let oldest = recent.popFirst() else { return }
        if let slot = slotByID[oldest.jobID], histories[slot]?.first?.sequence == oldest.sequence {
            histories[slot]?.removeFirst()
            if histories[slot]?.isEmpty == true { histories[slot] = nil }
        }
    }

    private mutating func compactChangesIfStale() {
        guard changes.count > 2 * count + 1024 else { return }
        changes.removeAll { jobs[$0.slot]?.sequence != $0.sequence }
    }

    private mutating func tally(_ job: MonitoredJob) {
        statusCounts.add(job.status)
        if let backend = job.backend { backendCounts.add(backend) }
    }

    private mutating func untally(_ job: MonitoredJob) {
        statusCounts.remove(job.status)
        if let backend = job.backend { backendCounts.remove(backend) }
    }

    // MARK: - Reading

    /// The job's latest record, if it is in the topic.
    public func job(_ jobID: String) -> MonitoredJob? {
        slotByID[jobID].flatMap { jobs[$0] }
    }

    /// The transitions of `jobID` seen since the first read and still kept, oldest first.
    public func transitions(of jobID: String) -> [JobTransition] {
        slotByID[jobID].flatMap { histories[$0] }.map { Array($0) } ?? []
    }

    /// The jobs `query` selects, most recently changed first, one page.
    public func page(_ query: JobQuery) -> JobPage {
        var index = changes.endIndex
        if let after = query.after {
            // The first change at or after the cursor, by binary search: the page starts below it.
            var low = changes.startIndex
            var high = changes.endIndex
            while low < high {
                let middle = (low + high) / 2
                if changes[middle].sequence < after { low = middle + 1 } else { high = middle }
            }
            index = low
        }
        var selected: [MonitoredJob] = []
        while index > changes.startIndex {
            index -= 1
            let change = changes[index]
            guard let job = jobs[change.slot], job.sequence == change.sequence, query.matches(job) else { continue }
            if selected.count == query.limit { return JobPage(jobs: selected, next: selected.last?.sequence) }
            selected.append(job)
        }
        return JobPage(jobs: selected, next: nil)
    }

    /// The transitions after `sequence`, oldest first: nil when some of them are no longer kept
    /// (a client that resumes from there must reload).
    public func transitions(after sequence: UInt64) -> [JobTransition]? {
        guard sequence <= lastSequence else { return nil }
        guard sequence < lastSequence else { return [] }
        guard let first = recent.first, first.sequence <= sequence + 1 else { return nil }
        let start = Int(sequence + 1 - first.sequence)
        return Array(recent[start...])
    }

    /// Jobs per status (lifecycle order, unknown statuses after, by name) and per backend (by
    /// name), and transitions per second over the rate window up to `now` (seconds since the epoch).
    public func summary(now: Int64) -> JobSummary {
        JobSummary(
            jobs: count, byStatus: JobSummary.ordered(statusCounts.all),
            byBackend: backendCounts.all.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            transitionsPerSecond: rate.perSecond(now: now), lastSequence: lastSequence)
    }
}
