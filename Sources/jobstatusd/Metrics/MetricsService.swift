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
            label: MetricName.buildInfo,
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
                        MetricName.repartitionedTotal, by: repartition.repartitioned - previousRepartitioned)
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
        Gauge(label: MetricName.jobsTracked).record(snapshot.trackedJobs)
        Gauge(label: MetricName.assignedPartitions).record(snapshot.assignedPartitions)
        Gauge(label: MetricName.ready).record(snapshot.isReady ? 1 : 0)
        Gauge(label: MetricName.standby).record(snapshot.isStandingBy ? 1 : 0)
        Gauge(label: MetricName.restoredRecords).record(snapshot.restoredRecords)
        for (partition, offset) in snapshot.committedOffsets {
            Gauge(
                label: MetricName.inputCommittedOffset,
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
                    label: MetricName.consumerLag,
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

/// librdkafka's statistics JSON (every `statistics.interval.ms`) of each client, shown per
/// client type: queue levels as gauges (summed over the clients of a type), running totals as
/// counters (Prometheus `_total`). Clients are told apart by their handle name: with
/// `input.keying: any` two producers and two consumers report, and each has its own totals.
final class KafkaStatistics: Sendable {
    private let latest = Locked<[String: [String: Any]]>([:])
    /// The totals already turned into counter increments, per client and field.
    private let counted = Locked<[String: Double]>([:])

    /// The handler to give the Kafka clients.
    var handler: @Sendable (String) -> Void {
        { [weak self] json in self?.record(json) }
    }

    func record(_ json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return }
        let name = (object["name"] as? String) ?? (object["type"] as? String) ?? "client"
        latest.withLock { $0[name] = object }
    }

    func publish(factory: any MetricsFactory = MetricsSystem.factory) {
        let clients = latest.withLock { $0 }
        var levels: [String: [String: Double]] = [:]
        for (name, client) in clients {
            let type = (client["type"] as? String) ?? "client"
            for (key, metric) in Self.levels {
                if let number = client[key] as? NSNumber {
                    levels[type, default: [:]][metric, default: 0] += number.doubleValue
                }
            }
            for (key, metric) in Self.totals {
                guard let total = (client[key] as? NSNumber)?.doubleValue else { continue }
                let seen = counted.withLock { $0["\(name).\(key)"] ?? 0 }
                guard total > seen else { continue }
                Counter(label: metric, dimensions: [("client", type)], factory: factory)
                    .increment(by: Int64(total - seen))
                counted.withLock { $0["\(name).\(key)"] = total }
            }
        }
        for (type, values) in levels {
            for (metric, value) in values {
                Gauge(label: metric, dimensions: [("client", type)], factory: factory).record(value)
            }
        }
    }

    /// librdkafka's statistics fields shown as gauges, with their metric.
    static let levels = [("msg_cnt", MetricName.kafkaMsgCnt), ("replyq", MetricName.kafkaReplyq)]
    /// librdkafka's running totals shown as counters, with their metric.
    static let totals = [
        ("tx", MetricName.kafkaTxTotal), ("rx", MetricName.kafkaRxTotal), ("txmsgs", MetricName.kafkaTxmsgsTotal),
        ("rxmsgs", MetricName.kafkaRxmsgsTotal),
    ]
}
