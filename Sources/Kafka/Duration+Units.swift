/// Every conversion of a `Duration` to a number, in one place. The whole-unit ones round toward
/// zero and saturate instead of trapping (a record's timestamp is its producer's to set, so a
/// duration from one can be anything).
extension Duration {
    /// Seconds, with the fraction: what metrics and rates report.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds: what librdkafka's `*.ms` properties and Kafka timestamps count in.
    public var wholeMilliseconds: Int64 { whole(perSecond: 1000) }

    /// Whole microseconds: what systemd's `*_USEC` notifications count in.
    public var wholeMicroseconds: Int64 { whole(perSecond: 1_000_000) }

    /// Whole nanoseconds: what swift-metrics' timers record.
    public var wholeNanoseconds: Int64 { whole(perSecond: 1_000_000_000) }

    /// Milliseconds as librdkafka's `int timeout_ms` takes them.
    var timeoutMilliseconds: Int32 { Int32(clamping: wholeMilliseconds) }

    private func whole(perSecond units: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: units)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / (1_000_000_000_000_000_000 / units))
        return overflowAgain ? (whole < 0 ? .min : .max) : total
    }
}
