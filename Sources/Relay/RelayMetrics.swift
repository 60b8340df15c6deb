import Metrics

/// The relay's distributions, recorded through swift-metrics where they happen (the daemon
/// exports them as Prometheus histograms, so p50/p99 and rates are possible; a last value
/// is not enough to alert on).
struct RelayMetrics {
    /// Each commit: from the commit decision to the broker's answer (exactly-once: send
    /// offsets and commit; at-least-once: the last delivery report and the offset commit).
    let commitDuration = Metrics.Timer(label: "jobstatusd_transaction_commit_seconds")
    /// Each committed transaction's oldest input record: from its Kafka timestamp to the
    /// commit that made its output visible to read_committed readers.
    let endToEndLatency = Metrics.Timer(label: "jobstatusd_end_to_end_latency_seconds")
    /// Each restore: from the assignment to reading the output and the DLQ to their end.
    let restoreDuration = Metrics.Timer(label: "jobstatusd_restore_seconds")

    /// Nanoseconds, saturating: a record's timestamp is the producer's to set, and one from
    /// the far past must give a huge latency, not trap.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAgain ? (whole < 0 ? .min : .max) : total
    }
}
