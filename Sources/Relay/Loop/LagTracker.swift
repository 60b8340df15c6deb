import Kafka

/// Each assigned input partition's lag (records behind its end), worked out once a second from
/// what the relay already knows: the watermarks of the last fetch (no broker round trip) and
/// this instance's progress.
struct LagTracker {
    /// How often the lag is worked out.
    static let interval = Duration.seconds(1)
    /// When ``isDue(at:)`` last said yes.
    private var lastUpdate: ContinuousClock.Instant

    init(now: ContinuousClock.Instant = .now) {
        lastUpdate = now - Self.interval
    }

    /// Whether an update is due at `now`; a yes starts the next interval.
    mutating func isDue(at now: ContinuousClock.Instant) -> Bool {
        guard now - lastUpdate >= Self.interval else { return false }
        lastUpdate = now
        return true
    }

    /// The lag of each of `partitions`: its high watermark minus the progress, which is the
    /// committed offset or the consumer's position, whichever is further. With no transaction
    /// open everything read is committed, and the position (past transaction markers and
    /// aborted records, offsets that are never delivered) is the progress; the caller passes
    /// no positions otherwise. A partition with no known high watermark or no progress yet is
    /// left out; the lag is never negative (a watermark fetched before the last commit).
    static func lag(
        of partitions: Set<TopicPartition>, committed: [TopicPartition: KafkaOffset],
        positions: [TopicPartition: KafkaOffset], highWatermark: (TopicPartition) -> KafkaOffset
    ) -> [TopicPartition: Int64] {
        var lag: [TopicPartition: Int64] = [:]
        for partition in partitions {
            let high = highWatermark(partition)
            let done = max(committed[partition] ?? .invalid, positions[partition] ?? .invalid)
            guard high.isConcrete, done.isConcrete else { continue }
            lag[partition] = max(0, high.rawValue - done.rawValue)
        }
        return lag
    }
}
