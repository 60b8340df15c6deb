import Kafka
import Testing

@testable import Relay

/// A record's timestamp is the producer's to set: a far-past one must not trap the metrics.
@Suite("Relay metrics")
struct RelayMetricsTests {
    @Test func latencyNanosecondsSaturate() {
        #expect(Duration.milliseconds(9_300_000_000_000).wholeNanoseconds == .max)
        #expect(Duration.seconds(-9_300_000_000_000).wholeNanoseconds == .min)
        #expect(Duration.milliseconds(1500).wholeNanoseconds == 1_500_000_000)
    }

    @Test func endToEndLatencySaturatesInsteadOfWrapping() {
        let now: Int64 = 1_790_000_000_000
        #expect(RelayLoop.latency(since: now - 250, now: now) == .milliseconds(250))
        #expect(RelayLoop.latency(since: now + 5_000, now: now) == .zero, "a timestamp in the future")
        #expect(RelayLoop.latency(since: .min, now: now) == .milliseconds(Int64.max), "not a negative wrap")
        #expect(RelayLoop.latency(since: .max, now: -2) == .zero, "an overflow the other way")
        #expect(RelayLoop.latency(since: .min, now: now).wholeNanoseconds == .max)
    }
}
