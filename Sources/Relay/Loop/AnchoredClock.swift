import Foundation

/// Milliseconds since the epoch for output record timestamps and finished-job retention: the
/// wall clock read once when the relay starts, advanced by the monotonic clock since. A
/// wall-clock jump during a run (NTP stepping, an operator's `date -s`) moves neither a
/// record's timestamp nor when a tombstone is due; a restart reads the wall clock again.
struct AnchoredClock: Sendable {
    private let wallAtStart: Int64
    private let start: ContinuousClock.Instant

    init(wallMilliseconds: Int64 = Int64(Date().timeIntervalSince1970 * 1000), at start: ContinuousClock.Instant = .now)
    {
        self.wallAtStart = wallMilliseconds
        self.start = start
    }

    /// The time at `instant`, in milliseconds since the epoch.
    func milliseconds(at instant: ContinuousClock.Instant = .now) -> Int64 {
        wallAtStart + (instant - start).wholeMilliseconds
    }
}
