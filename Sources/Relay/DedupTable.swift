/// job_id -> what was last published for it (``PublishedState``).
///
/// Changes made while a transaction is open go to ``pending`` and reach the
/// table only when the transaction commits (``commitPending()``); an abort
/// discards them (``discardPending()``), so the table always mirrors what
/// read_committed readers of the output topic can see.
///
/// Memory: a ``PublishedState`` is 19 bytes (24 with padding) and a Swift
/// dictionary entry adds the 16-byte `String` key and its load-factor slack;
/// ids longer than 15 bytes also have their bytes on the heap. The relay's
/// benchmark measures the real figure per job.
public struct DedupTable: Sendable {
    private var published: [String: PublishedState] = [:]
    private var pending: [String: PublishedState] = [:]

    public init() {}

    /// The committed entry count.
    public var count: Int { published.count }

    /// Whether changes of an open transaction are waiting.
    public var hasPending: Bool { !pending.isEmpty }

    /// What was last published for `jobID`, counting the open transaction.
    public subscript(jobID: String) -> PublishedState? {
        pending[jobID] ?? published[jobID]
    }

    /// What committed transactions published for `jobID`.
    public func committed(_ jobID: String) -> PublishedState? {
        published[jobID]
    }

    /// Records a publish in the open transaction.
    public mutating func recordPending(_ jobID: String, _ state: PublishedState) {
        pending[jobID] = state
    }

    /// Makes the open transaction's changes permanent.
    public mutating func commitPending() {
        guard !pending.isEmpty else { return }
        published.merge(pending) { _, new in new }
        pending.removeAll(keepingCapacity: true)
    }

    /// Forgets the open transaction's changes (after an abort).
    public mutating func discardPending() {
        pending.removeAll(keepingCapacity: true)
    }

    /// Records what the output topic already holds (restore), outside any transaction.
    public mutating func restore(_ jobID: String, _ state: PublishedState?) {
        published[jobID] = state
    }

    /// Reserves room for `count` jobs (restore knows roughly how many to expect).
    public mutating func reserveCapacity(_ count: Int) {
        published.reserveCapacity(count)
    }
}
