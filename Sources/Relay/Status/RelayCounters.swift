public import JobStatus

/// Where input records went. Invariant: `consumed == published + dropped + deadLettered + tombstones`
/// (``isBalanced``), counted over committed work only.
public struct RelayCounters: Hashable, Sendable {
    /// Input records handled.
    public var consumed = 0
    /// Records published: to the output, or by the first stage of `input.keying: any` to the
    /// repartition topic.
    public var published = 0
    /// Valid events not published, by reason.
    public var dropped: [DropReason: Int] = [:]
    /// Invalid records by reason: those dead-lettered and those already dead-lettered before a replay.
    public var invalid: [InvalidReason: Int] = [:]
    /// Records written to the dead-letter topic.
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

    /// All zero.
    public init() {}

    /// Every dropped record, whatever the reason.
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

    /// Counts a replayed record whose effect the output (or the DLQ) already holds: a duplicate,
    /// or a dead letter already written. Equal-rank regressions make this necessary: the table
    /// alone would publish a replayed QUEUED again after VALIDATING.
    mutating func countReplay(of decoded: RecordClassifier.DecodedRecord) {
        switch decoded {
        case .tombstone:
            tombstones += 1
        case .status:
            dropped[.duplicate, default: 0] += 1
        case .invalid(let error):
            invalid[error.reason, default: 0] += 1
            deadLettersAlreadyWritten += 1
        }
    }
}
