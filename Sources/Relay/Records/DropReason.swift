/// Why a valid event was not published (DESIGN.md section 2). The codes label
/// the `jobstatusd_dropped_total` metric and never change meaning.
public struct DropReason: Hashable, Sendable, CustomStringConvertible {
    /// The stable code, e.g. `stale`.
    public let code: String

    private init(_ code: String) { self.code = code }

    /// The stable ``code``, e.g. `stale`.
    public var description: String { code }

    /// Same canonical bytes as what was last published for the job.
    public static let duplicate = DropReason("duplicate")
    /// The job's last published status was terminal; terminal states are final.
    public static let afterTerminal = DropReason("after_terminal")
    /// A lower lifecycle rank than what was last published: an out-of-order regression.
    public static let stale = DropReason("stale")
    /// `dedup.ordering: field`: the event's ordering value is older than that of what was last
    /// published for the job.
    public static let outOfOrder = DropReason("out_of_order")

    /// Every reason, in a stable order.
    public static let all: [DropReason] = [.duplicate, .afterTerminal, .stale, .outOfOrder]
}
