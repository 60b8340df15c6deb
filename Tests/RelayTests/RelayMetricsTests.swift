import Testing

@testable import Relay

/// A record's timestamp is the producer's to set: a far-past one must not trap the metrics.
@Suite("Relay metrics")
struct RelayMetricsTests {
    @Test func latencyNanosecondsSaturate() {
        #expect(RelayMetrics.nanoseconds(.milliseconds(9_300_000_000_000)) == .max)
        #expect(RelayMetrics.nanoseconds(.seconds(-9_300_000_000_000)) == .min)
        #expect(RelayMetrics.nanoseconds(.milliseconds(1500)) == 1_500_000_000)
    }
}
