import JobStatus

/// What `/api/summary` answers: counts by status and backend, and the recent transition rate.
public struct JobSummary: Sendable {
    public let jobs: Int
    public let byStatus: [(status: String, jobs: Int)]
    public let byBackend: [(backend: String, jobs: Int)]
    /// Transitions seen in each of the last seconds, oldest first.
    public let transitionsPerSecond: [Int]
    public let lastSequence: UInt64

    /// Known statuses in lifecycle order, then the others by name.
    static func ordered(_ counts: [String: Int]) -> [(status: String, jobs: Int)] {
        let order = Status.known.map(\.name)
        return counts.sorted {
            (order.firstIndex(of: $0.key) ?? order.count, $0.key) < (
                order.firstIndex(of: $1.key) ?? order.count, $1.key
            )
        }.map { ($0.key, $0.value) }
    }
}
