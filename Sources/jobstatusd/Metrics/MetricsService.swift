import Foundation
import JobStatus
import Kafka
import Metrics
import Relay
import ServiceLifecycle

/// Publishes the relay's progress as `jobstatusd_*` metrics through swift-metrics
/// (bootstrapped with swift-prometheus, served at `/metrics`): once a second it
/// turns the relay's counters into counter increments and its state into gauges.
struct MetricsService: Service {
    let status: RelayStatus
    let statistics: KafkaStatistics

    func run() async throws {
        // The build and the librdkafka it runs with, as labels of a constant 1.
        Gauge(
            label: "jobstatusd_build_info",
            dimensions: [("version", BuildVersion.describe), ("librdkafka", LibrdkafkaVersion.current)]
        ).record(1)
        await cancelWhenGracefulShutdown {
            var previous = RelayCounters()
            var previousRepartitioned = 0
            var previousTransactions = (committed: 0, aborted: 0)
            var process = ProcessMetrics()
            var lagSeries: [TopicPartition: Gauge] = [:]
            while !Task.isCancelled {
                let snapshot = status.current
                Self.publish(snapshot, since: previous, transactions: previousTransactions)
                if let repartition = snapshot.repartition {
                    Self.increment(
                        "jobstatusd_repartitioned_total", by: repartition.repartitioned - previousRepartitioned)
                }
                Self.publishLag(snapshot.consumerLag, series: &lagSeries)
                previous = snapshot.counters
                previousRepartitioned = snapshot.repartition?.repartitioned ?? 0
                previousTransactions = (snapshot.transactionsCommitted, snapshot.transactionsAborted)
                statistics.publish()
                process.publish()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    static func publish(
        _ snapshot: RelaySnapshot, since previous: RelayCounters, transactions: (committed: Int, aborted: Int)
    ) {
        let counters = snapshot.counters
        increment("jobstatusd_consumed_total", by: counters.consumed - previous.consumed)
        increment("jobstatusd_published_total", by: counters.published - previous.published)
        increment("jobstatusd_dead_lettered_total", by: counters.deadLettered - previous.deadLettered)
        increment("jobstatusd_tombstones_total", by: counters.tombstones - previous.tombstones)
        increment(
            "jobstatusd_finished_tombstones_total", by: counters.finishedTombstones - previous.finishedTombstones)
        increment("jobstatusd_key_mismatches_total", by: counters.keyMismatches - previous.keyMismatches)
        increment(
            "jobstatusd_replayed_dead_letters_total",
            by: counters.deadLettersAlreadyWritten - previous.deadLettersAlreadyWritten)
        for reason in DropReason.all {
            increment(
                "jobstatusd_dropped_total", [("reason", reason.code)],
                by: counters.dropped[reason, default: 0] - previous.dropped[reason, default: 0])
        }
        for reason in InvalidReason.all {
            increment(
                "jobstatusd_invalid_total", [("reason", reason.code)],
                by: counters.invalid[reason, default: 0] - previous.invalid[reason, default: 0])
        }
        increment(
            "jobstatusd_transactions_committed_total", by: snapshot.transactionsCommitted - transactions.committed)
        increment("jobstatusd_transactions_aborted_total", by: snapshot.transactionsAborted - transactions.aborted)
        Gauge(label: "jobstatusd_jobs_tracked").record(snapshot.trackedJobs)
        Gauge(label: "jobstatusd_assigned_partitions").record(snapshot.assignedPartitions)
        Gauge(label: "jobstatusd_ready").record(snapshot.isReady ? 1 : 0)
        Gauge(label: "jobstatusd_standby").record(snapshot.isStandingBy ? 1 : 0)
        Gauge(label: "jobstatusd_restored_records").record(snapshot.restoredRecords)
        for (partition, offset) in snapshot.committedOffsets {
            Gauge(
                label: "jobstatusd_input_committed_offset",
                dimensions: [("topic", partition.topic), ("partition", String(partition.partition))]
            ).record(offset)
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
                    label: "jobstatusd_consumer_lag",
                    dimensions: [("topic", partition.topic), ("partition", String(partition.partition))],
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

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// librdkafka's statistics JSON (every `statistics.interval.ms`) of each client, shown per
/// client type: queue levels as gauges (summed over the clients of a type), running totals as
/// counters (Prometheus `_total`). Clients are told apart by their handle name: with
/// `input.keying: any` two producers and two consumers report, and each has its own totals.
final class KafkaStatistics: @unchecked Sendable {
    // @unchecked: `latest` and `counted` are only touched under `lock`.
    private let lock = NSLock()
    private var latest: [String: [String: Any]] = [:]
    /// The totals already turned into counter increments, per client and field.
    private var counted: [String: Double] = [:]

    /// The handler to give the Kafka clients.
    var handler: @Sendable (String) -> Void {
        { [weak self] json in self?.record(json) }
    }

    func record(_ json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return }
        let name = (object["name"] as? String) ?? (object["type"] as? String) ?? "client"
        lock.withLock { latest[name] = object }
    }

    func publish(factory: any MetricsFactory = MetricsSystem.factory) {
        let clients = lock.withLock { latest }
        var levels: [String: [String: Double]] = [:]
        for (name, client) in clients {
            let type = (client["type"] as? String) ?? "client"
            for key in ["msg_cnt", "replyq"] {
                if let number = client[key] as? NSNumber {
                    levels[type, default: [:]][key, default: 0] += number.doubleValue
                }
            }
            for key in ["tx", "rx", "txmsgs", "rxmsgs"] {
                guard let total = (client[key] as? NSNumber)?.doubleValue else { continue }
                let seen = lock.withLock { counted["\(name).\(key)"] ?? 0 }
                guard total > seen else { continue }
                Counter(label: "jobstatusd_kafka_\(key)_total", dimensions: [("client", type)], factory: factory)
                    .increment(by: Int64(total - seen))
                lock.withLock { counted["\(name).\(key)"] = total }
            }
        }
        for (type, values) in levels {
            for (key, value) in values {
                Gauge(label: "jobstatusd_kafka_\(key)", dimensions: [("client", type)], factory: factory).record(value)
            }
        }
    }
}
