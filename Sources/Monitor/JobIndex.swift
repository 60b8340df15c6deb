import DequeModule

/// Every job's latest record in the compacted output topic, and the transitions seen since
/// the monitor started, bounded per job and in total: the state behind `jobstatusd monitor`.
///
/// Records go in in topic order (``apply(key:value:timestamp:seenAt:)``); a value equal to the
/// job's current one (a re-read after a reconnect) changes nothing. Pages list jobs most
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
    private var histories: [Deque<JobTransition>] = []
    private var slotByID: [String: Int] = [:]
    private var freeSlots: [Int] = []
    /// (sequence, slot) of every change, in sequence order; stale when the slot's job has moved on.
    private var changes: [(sequence: UInt64, slot: Int)] = []
    /// Every transition and removal kept, in sequence order.
    private var recent: Deque<JobTransition> = []
    private var statusCounts: [String: Int] = [:]
    private var backendCounts: [String: Int] = [:]
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
    /// changed nothing (no key, the job's current value again, or a tombstone for no job).
    /// - Parameters:
    ///   - timestamp: the record's timestamp, milliseconds since the epoch.
    ///   - seenAt: when the monitor read it, seconds since the epoch, for the transitions-per-second
    ///     rate; nil leaves it out of the rate (the first read of the topic is history, not traffic).
    @discardableResult
    public mutating func apply(key: [UInt8]?, value: [UInt8]?, timestamp: Int64, seenAt: Int64?) -> JobTransition? {
        guard let key else { return nil }
        let jobID = String(decoding: key, as: UTF8.self)
        guard let value else { return remove(jobID, at: timestamp, seenAt: seenAt) }
        let slot = slotByID[jobID]
        if let slot, jobs[slot]?.record == value { return nil }
        lastSequence += 1
        let job = MonitoredJob(jobID: jobID, record: value, changedAt: timestamp, sequence: lastSequence)
        let transition = JobTransition(
            sequence: lastSequence, jobID: jobID,
            change: .status(job.status, message: job.statusMessage, backend: job.backend), at: timestamp)
        let target = slot ?? allocateSlot(for: jobID)
        if let previous = jobs[target] { untally(previous) }
        jobs[target] = job
        tally(job)
        histories[target].append(transition)
        if histories[target].count > limits.transitionsPerJob { histories[target].removeFirst() }
        changes.append((lastSequence, target))
        remember(transition, seenAt: seenAt)
        compactChangesIfStale()
        return transition
    }

    private mutating func remove(_ jobID: String, at timestamp: Int64, seenAt: Int64?) -> JobTransition? {
        guard let slot = slotByID.removeValue(forKey: jobID), let job = jobs[slot] else { return nil }
        untally(job)
        jobs[slot] = nil
        histories[slot].removeAll()
        freeSlots.append(slot)
        lastSequence += 1
        let transition = JobTransition(sequence: lastSequence, jobID: jobID, change: .removed, at: timestamp)
        remember(transition, seenAt: seenAt)
        compactChangesIfStale()
        return transition
    }

    private mutating func allocateSlot(for jobID: String) -> Int {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = jobs.count
            jobs.append(nil)
            histories.append([])
        }
        slotByID[jobID] = slot
        return slot
    }

    /// Keeps `transition` in the total bound; the oldest one kept leaves its job's history too.
    private mutating func remember(_ transition: JobTransition, seenAt: Int64?) {
        if let seenAt { rate.record(atSecond: seenAt) }
        recent.append(transition)
        guard recent.count > limits.transitions, let oldest = recent.popFirst() else { return }
        if let slot = slotByID[oldest.jobID], histories[slot].first?.sequence == oldest.sequence {
            histories[slot].removeFirst()
        }
    }

    private mutating func compactChangesIfStale() {
        guard changes.count > 2 * count + 1024 else { return }
        changes.removeAll { jobs[$0.slot]?.sequence != $0.sequence }
    }

    private mutating func tally(_ job: MonitoredJob) {
        statusCounts[job.status, default: 0] += 1
        if let backend = job.backend { backendCounts[backend, default: 0] += 1 }
    }

    private mutating func untally(_ job: MonitoredJob) {
        statusCounts[job.status, default: 0] -= 1
        if statusCounts[job.status] == 0 { statusCounts[job.status] = nil }
        if let backend = job.backend {
            backendCounts[backend, default: 0] -= 1
            if backendCounts[backend] == 0 { backendCounts[backend] = nil }
        }
    }

    // MARK: - Reading

    /// The job's latest record, if it is in the topic.
    public func job(_ jobID: String) -> MonitoredJob? {
        slotByID[jobID].flatMap { jobs[$0] }
    }

    /// The transitions of `jobID` seen and still kept, oldest first.
    public func transitions(of jobID: String) -> [JobTransition] {
        slotByID[jobID].map { Array(histories[$0]) } ?? []
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
            jobs: count, byStatus: JobSummary.ordered(statusCounts),
            byBackend: backendCounts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            transitionsPerSecond: rate.perSecond(now: now), lastSequence: lastSequence)
    }
}
