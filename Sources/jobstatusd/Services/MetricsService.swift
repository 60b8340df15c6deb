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
            var previousTransactions = (committed: 0, aborted: 0)
            while !Task.isCancelled {
                let snapshot = status.current
                Self.publish(snapshot, since: previous, transactions: previousTransactions)
                previous = snapshot.counters
                previousTransactions = (snapshot.transactionsCommitted, snapshot.transactionsAborted)
                statistics.publish()
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
        Gauge(label: "jobstatusd_transaction_commit_seconds").record(snapshot.lastCommitDuration.seconds)
        Gauge(label: "jobstatusd_restore_seconds").record(snapshot.lastRestoreDuration.seconds)
        Gauge(label: "jobstatusd_end_to_end_latency_seconds").record(snapshot.lastEndToEndLatency.seconds)
        Gauge(label: "jobstatusd_restored_records").record(snapshot.restoredRecords)
        for (partition, offset) in snapshot.committedOffsets {
            Gauge(
                label: "jobstatusd_input_committed_offset",
                dimensions: [("topic", partition.topic), ("partition", String(partition.partition))]
            ).record(offset)
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

/// librdkafka's statistics JSON (every `statistics.interval.ms`) as gauges: consumer lag per
/// partition and the client totals.
final class KafkaStatistics: @unchecked Sendable {
    // @unchecked: `latest` is only touched under `lock`.
    private let lock = NSLock()
    private var latest: [String: Any] = [:]

    /// The handler to give the Kafka clients.
    var handler: @Sendable (String) -> Void {
        { [weak self] json in self?.record(json) }
    }

    private func record(_ json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return }
        lock.withLock { latest[(object["type"] as? String) ?? "client"] = object }
    }

    func publish() {
        let clients = lock.withLock { latest }
        for (type, value) in clients {
            guard let client = value as? [String: Any] else { continue }
            for key in ["msg_cnt", "txmsgs", "rxmsgs", "replyq", "tx", "rx"] {
                if let number = client[key] as? NSNumber {
                    Gauge(label: "jobstatusd_kafka_\(key)", dimensions: [("client", type)]).record(number.doubleValue)
                }
            }
            guard let topics = client["topics"] as? [String: Any] else { continue }
            for (topic, topicValue) in topics {
                guard let partitions = (topicValue as? [String: Any])?["partitions"] as? [String: Any] else { continue }
                for (partition, partitionValue) in partitions where partition != "-1" {
                    guard let lag = (partitionValue as? [String: Any])?["consumer_lag"] as? NSNumber, lag.intValue >= 0
                    else { continue }
                    Gauge(label: "jobstatusd_consumer_lag", dimensions: [("topic", topic), ("partition", partition)])
                        .record(lag.doubleValue)
                }
            }
        }
    }
}
