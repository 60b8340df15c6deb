extension DedupTable {
    /// The changes one transaction makes to the table: its publishes and its retention
    /// tombstones. A value of the transaction's own (``OpenTransaction/pending``): the table's
    /// lookups read it over what is committed, a commit applies it (``DedupTable/apply(_:)``), and
    /// an abort drops it with the transaction.
    ///
    /// Layers: what a job is now is the newest change to it, else the table's. With one
    /// transaction open that is ``change(of:)`` of its changes, then the table; transactions that
    /// overlap (one committing while the next is judged) stack their changes the same way, newest
    /// first.
    public struct Pending: Equatable, Sendable {
        /// Publishes, by job.
        private(set) var publishes: [JobKey: Entry]
        /// Retention tombstones: the job -> its id and the tombstone's timestamp.
        private(set) var tombstones: [JobKey: FinishedJob] = [:]
        /// The committing transaction's changes, read below these while the next transaction is
        /// judged during that commit (none, or one layer); never applied with these.
        private(set) var committing: [Pending] = []

        /// No changes.
        public init() {
            publishes = [:]
        }

        /// No changes yet, with room for `publishes` publishes (the previous transaction's count:
        /// the dictionary does not grow, and rehash, record by record).
        init(reservingCapacity publishes: Int) {
            self.publishes = publishes > 0 ? Dictionary(minimumCapacity: publishes) : [:]
        }

        /// No changes of their own, read over `committing` (the changes of the transaction that
        /// commits while these are made), with room for `publishes` publishes.
        init(over committing: Pending, reservingCapacity publishes: Int) {
            self.init(reservingCapacity: publishes)
            var below = committing
            below.committing = []
            self.committing = below.isEmpty ? [] : [below]
        }

        /// The committing layer below these committed: the table holds it now.
        mutating func forgetCommittingLayer() {
            committing = []
        }

        /// Whether there are no changes (of their own: the committing layer is not theirs).
        public var isEmpty: Bool { publishes.isEmpty && tombstones.isEmpty }

        /// Whether a retention tombstone is among these changes or the committing layer's.
        func hasTombstone(_ key: JobKey) -> Bool {
            if !tombstones.isEmpty, tombstones[key] != nil { return true }
            return committing.first?.hasTombstone(key) ?? false
        }

        /// Whether these changes or the committing layer's hold any retention tombstone.
        var hasTombstones: Bool { !tombstones.isEmpty || !(committing.first?.tombstones.isEmpty ?? true) }

        /// How many publishes there are.
        var publishCount: Int { publishes.count }

        /// What one transaction did to a job.
        enum Change: Equatable {
            /// It published this state, from this input record.
            case published(PublishedState, source: SourcePosition?)
            /// Its retention tombstone forgot the job.
            case forgotten
        }

        /// What these changes did to the job with this key, else what the committing layer below
        /// them did; `nil`: nothing (the table knows).
        /// A job holds one change at most, its last: a publish replaces a tombstone recorded
        /// before it and a tombstone a publish, as the later record replaces the earlier one in
        /// the compacted output. ``DedupTable/apply(_:)`` applies the same change, so what a
        /// lookup sees before a commit is what the table holds after it.
        func change(of key: JobKey) -> Change? {
            if !publishes.isEmpty, let entry = publishes[key] { return .published(entry.state, source: entry.source) }
            if !tombstones.isEmpty, tombstones[key] != nil { return .forgotten }
            if !committing.isEmpty { return committing[0].change(of: key) }
            return nil
        }

        /// Records a publish.
        /// - Parameter publishedAt: the output record's timestamp (milliseconds since the epoch).
        public mutating func recordPublish(
            _ jobID: String, _ state: PublishedState, source: SourcePosition? = nil, publishedAt: Int64 = 0
        ) {
            recordPublish(JobKey(jobID), jobID: jobID, state, source: source, publishedAt: publishedAt)
        }

        /// ``recordPublish(_:_:source:publishedAt:)`` with the job's key already computed.
        mutating func recordPublish(
            _ key: JobKey, jobID: String, _ state: PublishedState, source: SourcePosition?, publishedAt: Int64
        ) {
            publishes[key] = Entry(jobID: jobID, state: state, source: source, publishedAt: publishedAt)
            if !tombstones.isEmpty { tombstones[key] = nil }
        }

        /// Records a retention tombstone: the job is forgotten when the changes are applied.
        /// It replaces a publish of the job recorded before it.
        public mutating func recordTombstone(_ jobID: String, at timestamp: Int64) {
            let key = JobKey(jobID)
            tombstones[key] = FinishedJob(jobID: jobID, publishedAt: timestamp)
            publishes[key] = nil
        }
    }
}
