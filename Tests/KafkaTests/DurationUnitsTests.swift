import Kafka
import Testing

/// Every Duration-to-number conversion keeps the fraction its unit can hold, rounds toward zero,
/// and saturates rather than trap.
@Suite("Duration units")
struct DurationUnitsTests {
    @Test func wholeUnitsKeepWhatTheUnitHolds() {
        let duration = Duration.milliseconds(1500) + .nanoseconds(999)
        #expect(duration.wholeMilliseconds == 1500)
        #expect(duration.wholeMicroseconds == 1_500_000)
        #expect(duration.wholeNanoseconds == 1_500_000_999)
        #expect(Duration.milliseconds(250).wholeMicroseconds == 250_000, "a fraction of a second is kept")
        #expect(Duration.seconds(1.25).seconds == 1.25)
    }

    @Test func negativeDurationsRoundTowardZero() {
        #expect(Duration.milliseconds(-1500).wholeMilliseconds == -1500)
        #expect(Duration.nanoseconds(-1).wholeMilliseconds == 0)
    }

    @Test func hugeDurationsSaturate() {
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeMicroseconds == .min)
        #expect(Duration.seconds(9_300_000_000).wholeNanoseconds == .max)
    }
}
