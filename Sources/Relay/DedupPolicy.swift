public import JobStatus

/// What the dedup table remembers of the last record published for a job.
public struct PublishedState: Hashable, Sendable {
    /// The fingerprint of the canonical bytes.
    public var fingerprint: Fingerprint
    /// The event's position on the producer's clock (`dedup.ordering: field`), `nil` without one.
    public var order: Int64?
    /// The lifecycle rank, `nil` for an unknown status passed through.
    public var rank: Int8?
    /// Whether the status was terminal.
    public var isTerminal: Bool

    /// A state from its parts (the restore and tests build it so; records use
    /// ``init(status:canonicalBytes:order:)``).
    public init(fingerprint: Fingerprint, rank: Int8?, isTerminal: Bool, order: Int64? = nil) {
        self.fingerprint = fingerprint
        self.order = order
        self.rank = rank
        self.isTerminal = isTerminal
    }

    /// The state a record with this status and these canonical bytes leaves behind.
    public init(status: Status, canonicalBytes: [UInt8], order: Int64? = nil) {
        self.init(
            fingerprint: Fingerprint(of: canonicalBytes), rank: status.rank.map { Int8($0) },
            isTerminal: status.isTerminal, order: order)
    }
}

/// The ordering rules of DESIGN.md section 2, and the producer's-clock variant of issue 15.
public struct DedupOrdering: Hashable, Sendable, CustomStringConvertible {
    enum Value: Hashable, Sendable {
        case lifecycle, arrival
        case field(OrderField)
    }
    let value: Value

    /// Drop exact duplicates, events after a terminal status, and rank regressions (the default).
    public static let lifecycle = DedupOrdering(value: .lifecycle)
    /// Drop exact duplicates only: every different event is published in arrival order.
    public static let arrival = DedupOrdering(value: .arrival)
    /// The lifecycle rules, but an event whose ordering value is older than the last published
    /// one's is dropped as `out_of_order`, and a newer one is published whatever its rank.
    public static func field(_ field: OrderField) -> DedupOrdering { DedupOrdering(value: .field(field)) }

    /// The ordering member, with `dedup.ordering: field`.
    public var orderField: OrderField? {
        if case .field(let field) = value { return field }
        return nil
    }

    /// `lifecycle`, `arrival`, or `field` followed by the ordering member's description.
    public var description: String {
        switch value {
        case .lifecycle: "lifecycle"
        case .arrival: "arrival"
        case .field(let field): "field \(field)"
        }
    }
}

/// The outcome for one valid event.
public enum DedupDecision: Hashable, Sendable {
    /// Publish the event and remember it as the job's last state.
    case publish
    /// Do not publish the event, for this reason; the job's last state stays.
    case drop(DropReason)
}

/// The pure decision function of DESIGN.md section 2, in table order:
///
/// | last published | event | decision |
/// |---|---|---|
/// | none | any | publish |
/// | same canonical bytes | - | drop `duplicate` |
/// | terminal | anything different | drop `after_terminal` |
/// | order o (`field` only) | order < o | drop `out_of_order` |
/// | order o (`field` only) | order > o | publish |
/// | rank r | rank < r | drop `stale` |
/// | rank r | rank >= r, different bytes | publish |
///
/// With ``DedupOrdering/arrival`` only the duplicate rule applies. An unknown
/// status (no rank) is compared by bytes only: the rank rule needs a rank on
/// both sides. Terminal states stay final for every later event, unknown
/// statuses included (a job that is DONE does not become "PAUSED"). The order
/// rows need an order on both sides; equal orders, or an order missing on either
/// side (`dedup.order-missing: arrival`), fall through to the rank rule.
public enum DedupPolicy {
    /// The decision for `event` given what was `last` published for its job (`nil`: nothing yet),
    /// by the table above and `ordering`. Pure: the same inputs always give the same decision.
    public static func decide(last: PublishedState?, event: PublishedState, ordering: DedupOrdering) -> DedupDecision {
        guard let last else { return .publish }
        if last.fingerprint == event.fingerprint { return .drop(.duplicate) }
        if ordering == .arrival { return .publish }
        if last.isTerminal { return .drop(.afterTerminal) }
        if ordering.orderField != nil, let lastOrder = last.order, let order = event.order, order != lastOrder {
            return order < lastOrder ? .drop(.outOfOrder) : .publish
        }
        if let lastRank = last.rank, let rank = event.rank, rank < lastRank { return .drop(.stale) }
        return .publish
    }
}
