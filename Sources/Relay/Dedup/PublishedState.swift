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
