/// A page request over the jobs, most recently changed first: what `/api/jobs` takes.
public struct JobQuery: Sendable, Equatable {
    /// Only jobs with this status.
    public var status: String?
    /// Only jobs with this `backend`.
    public var backend: String?
    /// Only jobs whose job_id starts with this.
    public var prefix: String?
    /// The cursor of the previous page (its `next`): only changes older than it.
    public var after: UInt64?
    /// At most this many jobs (clamped to 1...``maximumLimit``).
    public var limit: Int

    public static let maximumLimit = 1000

    public init(
        status: String? = nil, backend: String? = nil, prefix: String? = nil, after: UInt64? = nil, limit: Int = 100
    ) {
        self.status = status.flatMap { $0.isEmpty ? nil : $0 }
        self.backend = backend.flatMap { $0.isEmpty ? nil : $0 }
        self.prefix = prefix.flatMap { $0.isEmpty ? nil : $0 }
        self.after = after
        self.limit = min(max(limit, 1), Self.maximumLimit)
    }

    func matches(_ job: MonitoredJob) -> Bool {
        if let status, job.status != status { return false }
        if let backend, job.backend != backend { return false }
        // By UTF-8 bytes: as the page's startsWith (no grapheme rules), and far cheaper.
        if let prefix, !job.jobID.utf8.starts(with: prefix.utf8) { return false }
        return true
    }
}
