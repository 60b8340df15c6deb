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
