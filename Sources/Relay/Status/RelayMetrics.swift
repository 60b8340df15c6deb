import Metrics

/// The relay's distributions, recorded through swift-metrics where they happen (the daemon
/// exports them as Prometheus histograms, so p50/p99 and rates are possible; a last value
/// is not enough to alert on).
struct RelayMetrics {
    /// Each commit: from the commit decision to the broker's answer (exactly-once: send
    /// offsets and commit; at-least-once: the last delivery report and the offset commit).
    let commitDuration = Metrics.Timer(label: MetricName.transactionCommitSeconds)
    /// Each committed transaction's oldest input record: from its Kafka timestamp to the
    /// commit that made its output visible to read_committed readers.
    let endToEndLatency = Metrics.Timer(label: MetricName.endToEndLatencySeconds)
    /// Each restore: from the assignment to reading the output and the DLQ to their end.
    let restoreDuration = Metrics.Timer(label: MetricName.restoreSeconds)
}
