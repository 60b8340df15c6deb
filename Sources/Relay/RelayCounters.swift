public import JobStatus

/// Where input records went. Invariant: `consumed == published + dropped + deadLettered + tombstones`
/// (``isBalanced``), counted over committed work only.
public struct RelayCounters: Hashable, Sendable {
    public var consumed = 0
    public var published = 0
    public var dropped: [DropReason: Int] = [:]
    public var invalid: [InvalidReason: Int] = [:]
    public var deadLettered = 0
    /// Dead letters not written again because a replay had already written them.
    public var deadLettersAlreadyWritten = 0
    /// Input records with a null value (ignored).
    public var tombstones = 0
    /// Retention tombstones written (`output.finished-retention`): not input records, so outside
    /// the balance.
    public var finishedTombstones = 0
    /// Records whose key differed from job_id but were published (`key-mismatch: warn`).
    public var keyMismatches = 0

    public init() {}

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    /// Every consumed record is accounted for exactly once.
    public var isBalanced: Bool {
        consumed == published + droppedTotal + deadLettered + deadLettersAlreadyWritten + tombstones
    }

    /// Adds `other` to these counters.
    public mutating func add(_ other: RelayCounters) {
        consumed += other.consumed
        published += other.published
        dropped.merge(other.dropped, uniquingKeysWith: +)
        invalid.merge(other.invalid, uniquingKeysWith: +)
        deadLettered += other.deadLettered
        deadLettersAlreadyWritten += other.deadLettersAlreadyWritten
        tombstones += other.tombstones
        finishedTombstones += other.finishedTombstones
        keyMismatches += other.keyMismatches
    }
}
