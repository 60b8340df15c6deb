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
