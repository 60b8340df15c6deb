import Kafka
import Testing

@testable import Relay

/// The consumer-lag arithmetic and its once-a-second schedule, on their own; `RelayMetricsTests`
/// reads the lag off a running relay.
@Suite("Lag tracker")
struct LagTrackerTests {
    static let p0 = TopicPartition("events", 0)
    static let p1 = TopicPartition("events", 1)
    static let p2 = TopicPartition("events", 2)

    @Test func theLagIsTheEndMinusTheFurthestProgress() {
        let lag = LagTracker.lag(
            of: [Self.p0, Self.p1, Self.p2], committed: [Self.p0: 40, Self.p1: 90], positions: [Self.p0: 55],
            highWatermark: { [Self.p0: 100, Self.p1: 80, Self.p2: 10][$0] ?? -1 })
        #expect(lag[Self.p0] == 45, "the position is past the commit")
        #expect(lag[Self.p1] == 0, "a watermark older than the commit is no lag, not a negative one")
        #expect(lag[Self.p2] == nil, "no progress yet: unknown, not the whole partition")
    }

    @Test func aPartitionWithoutAKnownEndIsLeftOut() {
        let lag = LagTracker.lag(
            of: [Self.p0, Self.p1], committed: [Self.p0: 5, Self.p1: 5], positions: [:],
            highWatermark: { $0 == Self.p0 ? KafkaOffset.invalid : 9 })
        #expect(lag == [Self.p1: 4])
    }

    @Test func anUpdateIsDueAtOnceThenOnceASecond() {
        let start = ContinuousClock.now
        var tracker = LagTracker(now: start)
        let first = tracker.isDue(at: start)
        let tooSoon = tracker.isDue(at: start + .milliseconds(999))
        let next = tracker.isDue(at: start + .seconds(1))
        #expect(first && !tooSoon && next)
    }
}
