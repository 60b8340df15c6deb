/// What ``CanonicalStatusScanner/overview(ofCanonical:extra:)-swift.type.method`` finds in a
/// canonical record: its status, and where its `status_msg` and extra string member are.
public struct CanonicalOverview: Sendable, Equatable {
    /// The record's status.
    public let status: Status
    /// The bytes of `status_msg` between its quotes: its UTF-8, with no escapes.
    public let statusMessage: Range<Int>
    /// The bytes of the extra member between its quotes, when the record has it as a string.
    public let extra: Range<Int>?
}
