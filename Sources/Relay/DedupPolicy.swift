public import JobStatus

/// What the dedup table remembers of the last record published for a job.
public struct PublishedState: Hashable, Sendable {
    /// The fingerprint of the canonical bytes.
    public var fingerprint: Fingerprint
    /// The lifecycle rank, `nil` for an unknown status passed through.
    public var rank: Int8?
    /// Whether the status was terminal.
    public var isTerminal: Bool

    public init(fingerprint: Fingerprint, rank: Int8?, isTerminal: Bool) {
        self.fingerprint = fingerprint
        self.rank = rank
        self.isTerminal = isTerminal
    }

    /// The state a record with this status and these canonical bytes leaves behind.
    public init(status: Status, canonicalBytes: [UInt8]) {
        self.init(
            fingerprint: Fingerprint(of: canonicalBytes), rank: status.rank.map { Int8($0) },
            isTerminal: status.isTerminal)
    }
}

/// The ordering rules of DESIGN.md section 2.
public struct DedupOrdering: Hashable, Sendable, CustomStringConvertible {
    enum Value: Hashable, Sendable {
        case lifecycle, arrival
    }
    let value: Value

    /// Drop exact duplicates, events after a terminal status, and rank regressions (the default).
    public static let lifecycle = DedupOrdering(value: .lifecycle)
    /// Drop exact duplicates only: every different event is published in arrival order.
    public static let arrival = DedupOrdering(value: .arrival)

    public var description: String { value == .lifecycle ? "lifecycle" : "arrival" }
}

/// The outcome for one valid event.
public enum DedupDecision: Hashable, Sendable {
    case publish
    case drop(DropReason)
}

/// The pure decision function of DESIGN.md section 2, in table order:
///
/// | last published | event | decision |
/// |---|---|---|
/// | none | any | publish |
/// | same canonical bytes | - | drop `duplicate` |
/// | terminal | anything different | drop `after_terminal` |
/// | rank r | rank < r | drop `stale` |
/// | rank r | rank >= r, different bytes | publish |
///
/// With ``DedupOrdering/arrival`` only the duplicate rule applies. An unknown
/// status (no rank) is compared by bytes only: the rank rule needs a rank on
/// both sides. Terminal states stay final for every later event, unknown
/// statuses included (a job that is DONE does not become "PAUSED").
public enum DedupPolicy {
    public static func decide(last: PublishedState?, event: PublishedState, ordering: DedupOrdering) -> DedupDecision {
        guard let last else { return .publish }
        if last.fingerprint == event.fingerprint { return .drop(.duplicate) }
        guard ordering == .lifecycle else { return .publish }
        if last.isTerminal { return .drop(.afterTerminal) }
        if let lastRank = last.rank, let rank = event.rank, rank < lastRank { return .drop(.stale) }
        return .publish
    }
}
