/// One page of ``JobQuery``'s answer.
public struct JobPage: Sendable, Equatable {
    public let jobs: [MonitoredJob]
    /// The cursor for the next page, or nil when this is the last.
    public let next: UInt64?
}
