import JobStatus
import Kafka
import Metrics
import Relay
import ServiceLifecycle

/// Publishes the relay's progress as `jobstatusd_*` metrics through swift-metrics
/// (bootstrapped with swift-prometheus, served at `/metrics`): once a second it
/// turns the relay's counters into counter increments and its state into gauges
/// (through ``RelayMetricsPublisher``, which each scrape uses too), and publishes
/// the consumer lag, librdkafka's statistics and the process's figures.
struct MetricsService: Service {
    let publisher: RelayMetricsPublisher
    let statistics: KafkaStatistics

    func run() async throws {
        // The build and the librdkafka it runs with, as labels of a constant 1.
        Gauge(
            label: MetricName.buildInfo,
            dimensions: [("version", BuildVersion.describe), ("librdkafka", LibrdkafkaVersion.current)]
        ).record(1)
        await cancelWhenGracefulShutdown {
            var process = ProcessMetrics()
            var lagSeries: [TopicPartition: Gauge] = [:]
            while !Task.isCancelled {
                let snapshot = publisher.publish()
                Self.publishLag(snapshot.consumerLag, series: &lagSeries)
                statistics.publish()
                process.publish()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// The increments of the relay's counters since the last publish (`previous`,
    /// `repartitioned`, `transactions`), and its gauges.
    static func publish(
        _ snapshot: RelaySnapshot, since previous: RelayCounters, repartitioned: Int,
        transactions: (committed: Int, aborted: Int)
    ) {
        let counters = snapshot.counters
        increment(MetricName.consumedTotal, by: counters.consumed - previous.consumed)
        increment(MetricName.publishedTotal, by: counters.published - previous.published)
        increment(MetricName.deadLetteredTotal, by: counters.deadLettered - previous.deadLettered)
        increment(MetricName.tombstonesTotal, by: counters.tombstones - previous.tombstones)
        increment(
            MetricName.finishedTombstonesTotal, by: counters.finishedTombstones - previous.finishedTombstones)
        increment(MetricName.keyMismatchesTotal, by: counters.keyMismatches - previous.keyMismatches)
        increment(
            MetricName.replayedDeadLettersTotal,
            by: counters.deadLettersAlreadyWritten - previous.deadLettersAlreadyWritten)
        for reason in DropReason.all {
            increment(
                MetricName.droppedTotal, [("reason", reason.code)],
                by: counters.dropped[reason, default: 0] - previous.dropped[reason, default: 0])
        }
        for reason in InvalidReason.all {
            increment(
                MetricName.invalidTotal, [("reason", reason.code)],
                by: counters.invalid[reason, default: 0] - previous.invalid[reason, default: 0])
        }
        increment(
            MetricName.transactionsCommittedTotal, by: snapshot.transactionsCommitted - transactions.committed)
        increment(MetricName.transactionsAbortedTotal, by: snapshot.transactionsAborted - transactions.aborted)
        if let repartition = snapshot.repartition {
            increment(MetricName.repartitionedTotal, by: repartition.repartitioned - repartitioned)
        }
        publishGauges(snapshot)
    }

    /// The relay's state as gauges: absolute values, so publishing them again is harmless (each
    /// `/metrics` scrape publishes them, through ``RelayMetricsPublisher``).
    static func publishGauges(_ snapshot: RelaySnapshot, factory: any MetricsFactory = MetricsSystem.factory) {
        Gauge(label: MetricName.jobsTracked, factory: factory).record(snapshot.trackedJobs)
        Gauge(label: MetricName.assignedPartitions, factory: factory).record(snapshot.assignedPartitions)
        Gauge(label: MetricName.ready, factory: factory).record(snapshot.isReady ? 1 : 0)
        Gauge(label: MetricName.standby, factory: factory).record(snapshot.isStandingBy ? 1 : 0)
        Gauge(label: MetricName.restoredRecords, factory: factory).record(snapshot.restoredRecords)
        for (partition, offset) in snapshot.committedOffsets {
            Gauge(
                label: MetricName.inputCommittedOffset,
                dimensions: [("topic", partition.topic), ("partition", partition.partition.description)],
                factory: factory
            ).record(offset.rawValue)
        }
    }

    /// One series per assigned partition; a partition that left has its series removed, so a
    /// revoked partition's last value cannot keep an alert firing.
    static func publishLag(
        _ lag: [TopicPartition: Int64], series: inout [TopicPartition: Gauge],
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        for (partition, gauge) in series where lag[partition] == nil {
            gauge.destroy()
            series[partition] = nil
        }
        for (partition, value) in lag {
            let gauge =
                series[partition]
                ?? Gauge(
                    label: MetricName.consumerLag,
                    dimensions: [("topic", partition.topic), ("partition", partition.partition.description)],
                    factory: factory)
            series[partition] = gauge
            gauge.record(value)
        }
    }

    private static func increment(_ label: String, _ dimensions: [(String, String)] = [], by delta: Int) {
        let counter = Counter(label: label, dimensions: dimensions)
        if delta > 0 { counter.increment(by: delta) }
    }
}
