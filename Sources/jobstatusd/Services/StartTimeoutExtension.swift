import Relay

/// Decides when to ask systemd for more start time (`EXTEND_TIMEOUT_USEC=`): while a restore
/// before READY=1 makes progress, a large output topic must not hit the unit's
/// `TimeoutStartSec=`; a restore that stops moving gets no more time.
struct StartTimeoutExtension {
    /// How long a restore may go without reading a record and still get more time.
    var stallLimit: Duration = .seconds(30)
    /// How much time each request asks for, from now.
    var step: Duration = .seconds(60)
    private var lastProgress: (records: Int, partitions: Int, at: ContinuousClock.Instant)?

    /// The extension to request now, or nil.
    mutating func observe(_ snapshot: RelaySnapshot, now: ContinuousClock.Instant) -> Duration? {
        guard snapshot.phase == .restoring else { return nil }
        let moved =
            lastProgress.map {
                $0.records != snapshot.restoredRecords || $0.partitions != snapshot.restoredPartitions
            } ?? true
        if moved {
            lastProgress = (snapshot.restoredRecords, snapshot.restoredPartitions, now)
        }
        guard let lastProgress, now - lastProgress.at < stallLimit else { return nil }
        return step
    }
}
