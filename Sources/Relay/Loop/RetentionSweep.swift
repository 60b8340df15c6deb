/// When the table is scanned for jobs past `output.finished-retention`, and which times count as
/// past it (`RelayLoop+Retention.swift` writes the tombstones).
///
/// The table is scanned at most every `retention / 100` (1 s to 60 s), at most `limit` jobs per
/// scan; a scan that filled its limit leaves a backlog, swept again at once.
struct RetentionSweep {
    /// How long a job stays terminal before its tombstone is due.
    let retention: Duration
    /// How long a tombstoned job stays remembered as finished.
    let horizon: Duration
    /// The most tombstones one scan finds (`transaction.max-records`, at least 1).
    let limit: Int
    /// When the table is next scanned.
    private(set) var nextSweep: ContinuousClock.Instant

    init(retention: Duration, horizon: Duration, limit: Int, now: ContinuousClock.Instant = .now) {
        self.retention = retention
        self.horizon = horizon
        self.limit = max(1, limit)
        self.nextSweep = now
    }

    /// How often the table is scanned for jobs past the retention.
    var interval: Duration {
        min(max(retention / 100, .seconds(1)), .seconds(60))
    }

    /// Whether a scan is due at `instant`.
    func isDue(at instant: ContinuousClock.Instant) -> Bool {
        instant >= nextSweep
    }

    /// The newest publish time (milliseconds) of a terminal job whose tombstone is due at `now`
    /// (milliseconds on the relay's ``AnchoredClock``).
    func retentionCutoff(now: Int64) -> Int64 {
        now - retention.wholeMilliseconds
    }

    /// The oldest tombstone time (milliseconds) still remembered as finished at `now`.
    func horizonCutoff(now: Int64) -> Int64 {
        now - horizon.wholeMilliseconds
    }

    /// A scan at `instant` found `found` jobs: with a full scan the backlog is swept again at
    /// once, otherwise after ``interval``.
    mutating func swept(found: Int, at instant: ContinuousClock.Instant) {
        nextSweep = found >= limit ? instant : instant + interval
    }

    /// The jobs found cannot be tombstoned yet (no offset to commit with them): look again
    /// after ``interval``.
    mutating func postpone(from instant: ContinuousClock.Instant) {
        nextSweep = instant + interval
    }
}
