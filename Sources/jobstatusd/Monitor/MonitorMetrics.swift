import Prometheus

/// The monitor's `/metrics`: what it holds and how its feed stands, set from the state when
/// scraped (gauges of the moment; the records read only grow).
enum MonitorMetrics {
    static func refresh(registry: PrometheusCollectorRegistry, state: MonitorState) {
        let feed = state.feed
        let (jobs, transitions) = state.read { ($0.count, $0.lastSequence) }
        gauge(registry, "jobstatusd_monitor_jobs", "Jobs in the output topic, as read.").set(Int64(jobs))
        gauge(
            registry, "jobstatusd_monitor_transitions",
            "Changes applied since start: the first read's records, then each transition (the last event id)."
        ).set(Int64(transitions))
        gauge(registry, "jobstatusd_monitor_records_read", "Records read since start.").set(Int64(feed.read))
        gauge(registry, "jobstatusd_monitor_unread_records", "Records fetches reported and not read yet.")
            .set(feed.unread)
        gauge(registry, "jobstatusd_monitor_loaded", "1 once the topic was read to its end.").set(
            Int64(feed.loaded ? 1 : 0))
        gauge(registry, "jobstatusd_monitor_first_read_seconds", "How long the first read to the end took (0 before).")
            .set(feed.firstRead?.seconds ?? 0)
        gauge(registry, "jobstatusd_monitor_connected", "1 while a broker answers.").set(Int64(feed.connected ? 1 : 0))
        gauge(registry, "jobstatusd_monitor_event_streams", "Open /api/events streams.")
            .set(Int64(state.subscriberCount))
    }

    private static func gauge(_ registry: PrometheusCollectorRegistry, _ name: String, _ help: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
    }
}
