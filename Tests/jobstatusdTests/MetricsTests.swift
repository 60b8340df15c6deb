import Foundation
import Kafka
import Metrics
import Prometheus
import TestSupport
import Testing

@testable import Relay
@testable import jobstatusd

/// What `/metrics` shows, on a registry of its own.
@Suite("Metrics")
struct MetricsTests {
    static func exposition(_ registry: PrometheusCollectorRegistry) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test func aRevokedPartitionsLagSeriesIsRemoved() {
        let registry = PrometheusCollectorRegistry()
        let factory = CatalogMetricsFactory(registry: registry)
        var series: [TopicPartition: Metrics.Gauge] = [:]
        let (a, b) = (TopicPartition("in", 0), TopicPartition("in", 1))
        MetricsService.publishLag([a: 5, b: 7], series: &series, factory: factory)
        var text = Self.exposition(registry)
        #expect(text.contains(#"jobstatusd_consumer_lag{topic="in",partition="1"} 7"#), "\(text)")
        MetricsService.publishLag([a: 0], series: &series, factory: factory)
        text = Self.exposition(registry)
        #expect(text.contains(#"jobstatusd_consumer_lag{topic="in",partition="0"} 0"#), "\(text)")
        #expect(!text.contains(#"partition="1""#), "the revoked partition's last value must not stay: \(text)")
    }

    /// `/metrics` publishes the gauges at each scrape: a gauge is the relay's state when it is
    /// read, whatever the once-a-second publisher last saw (the committed offsets of a commit
    /// that just ended, a partition just assigned).
    @Test func theGaugesAreTheSnapshotsEachTimeTheyArePublished() {
        let registry = PrometheusCollectorRegistry()
        let factory = CatalogMetricsFactory(registry: registry)
        var snapshot = RelaySnapshot()
        snapshot.committedOffsets = [TopicPartition("in", 3): KafkaOffset(rawValue: 41)]
        snapshot.assignedPartitions = 1
        MetricsService.publishGauges(snapshot, factory: factory)
        var text = Self.exposition(registry)
        #expect(text.contains(#"jobstatusd_input_committed_offset{topic="in",partition="3"} 41"#), "\(text)")
        snapshot.committedOffsets[TopicPartition("in", 3)] = KafkaOffset(rawValue: 977)
        snapshot.assignedPartitions = 2
        MetricsService.publishGauges(snapshot, factory: factory)
        text = Self.exposition(registry)
        #expect(text.contains(#"jobstatusd_input_committed_offset{topic="in",partition="3"} 977"#), "\(text)")
        #expect(text.contains("jobstatusd_assigned_partitions 2"), "\(text)")
    }

    /// With `input.keying: any` two producers report statistics: each one's totals count.
    @Test func kafkaTotalsAddUpOverClientsOfOneType() {
        let registry = PrometheusCollectorRegistry()
        let factory = CatalogMetricsFactory(registry: registry)
        let statistics = KafkaStatistics()
        for (name, sent) in [("p1", 100), ("p2", 10), ("p1", 110), ("p2", 20)] {
            statistics.record(#"{"name":"\#(name)","type":"producer","txmsgs":\#(sent),"msg_cnt":1}"#)
            statistics.publish(factory: factory)
        }
        let text = Self.exposition(registry)
        #expect(text.contains(#"jobstatusd_kafka_txmsgs_total{client="producer"} 130"#), "\(text)")
        #expect(text.contains(#"jobstatusd_kafka_msg_cnt{client="producer"} 2"#), "\(text)")
    }

    @Test func timersAreHistogramsWithHelpAndTheCatalogsBuckets() {
        let registry = PrometheusCollectorRegistry()
        let factory = CatalogMetricsFactory(registry: registry)
        Metrics.Timer(label: "jobstatusd_transaction_commit_seconds", factory: factory).recordMilliseconds(30)
        let text = Self.exposition(registry)
        #expect(text.contains("# HELP jobstatusd_transaction_commit_seconds "))
        #expect(text.contains("# TYPE jobstatusd_transaction_commit_seconds histogram"))
        #expect(text.contains(#"jobstatusd_transaction_commit_seconds_bucket{le="0.05"} 1"#), "\(text)")
        #expect(text.contains(#"jobstatusd_transaction_commit_seconds_bucket{le="0.025"} 0"#))
    }
}

extension MetricsTests {
    /// The shipped alerts use only metrics the daemon exports (histogram series by their family).
    @Test func theAlertingRulesUseOnlyExportedMetrics() throws {
        let path = OperationsTests.repository + "/deploy/prometheus-rules.yaml"
        let rules = try String(contentsOfFile: path, encoding: .utf8)
        let names = rules.matches(of: /\b(?:jobstatusd|process)_[a-z_]+/).map { String($0.output) }
        #expect(names.count >= 8)
        for name in Set(names) {
            let family = name.replacing(/_(bucket|count|sum)$/, with: "")
            #expect(!MetricCatalog.help(family).isEmpty, "\(name) in prometheus-rules.yaml is not exported")
        }
    }
}

extension MetricsTests {
    /// Every metric docs/operations.md ("HTTP and metrics") promises, by the names it writes
    /// there (`_x` is `jobstatusd_x`, `{a,b}` in a name is both, a trailing `{...}` lists labels).
    static func promisedMetrics() throws -> [String] {
        let operations = try String(contentsOfFile: OperationsTests.repository + "/docs/operations.md", encoding: .utf8)
        let start = try #require(operations.range(of: "## HTTP and metrics"))
        let rest = operations[start.upperBound...]
        let text = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var names: [String] = []
        for match in text.matches(of: /`([a-z_]+(?:\{[a-z,]+\}[a-z_]*)*)`/) {
            var name = String(match.output.1).replacing(/\{[a-z,]+\}$/, with: "")
            guard name.hasPrefix("jobstatusd_") || name.hasPrefix("_") else { continue }
            if name.hasPrefix("_") { name = "jobstatusd" + name }
            if let group = name.firstMatch(of: /\{([a-z,]+)\}/) {
                for part in group.output.1.split(separator: ",") {
                    names.append(name.replacingCharacters(in: group.range, with: part))
                }
            } else {
                names.append(name)
            }
        }
        // "`process_*`: CPU seconds, resident and virtual memory, open and maximum file
        // descriptors, start time."
        names += [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_open_fds", "process_max_fds", "process_start_time_seconds",
        ]
        return names
    }

    /// The metric names that have a sample in a `/metrics` text (histograms by their family).
    static func exported(_ metrics: String) -> Set<String> {
        Set(
            metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                String(line.prefix { $0 != "{" && $0 != " " }).replacing(/_(bucket|sum|count)$/, with: "")
            })
    }

    /// The sum of every sample of `name` (over its labels) in a `/metrics` text.
    static func total(_ name: String, in metrics: String) -> Double {
        metrics.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    /// The daemon itself, after relaying and committing records (one of them invalid), exports
    /// every metric the documentation promises, with the values the run implies.
    @Test(.timeLimit(.minutes(2)))
    func theRunningDaemonExportsEveryDocumentedMetric() async throws {
        let promised = try Self.promisedMetrics()
        #expect(promised.count >= 25, "the documentation's list was read: \(promised)")
        for name in ["jobstatusd_invalid_total", "jobstatusd_kafka_rxmsgs_total", "jobstatusd_assigned_partitions"] {
            #expect(promised.contains(name), "\(name) is read from the documentation")
        }
        let setup = try await DaemonTests.setup()
        defer { withExtendedLifetime(setup) {} }
        let notify = try NotifyListener()
        defer { notify.close() }
        let process = try DaemonTests.launch(
            setup, notify: notify, arguments: ["--set", "kafka.statistics.interval.ms=500"])
        defer { if process.isRunning { process.terminate() } }
        _ = try await notify.waitFor("READY=1")
        let events = DaemonTests.events(jobs: 10, prefix: "metric")  // the last one is not JSON
        try await DaemonTests.produce(events, to: setup)

        var metrics = ""
        try? await waitUntil("every documented metric, after the commit", timeout: .seconds(30)) {
            metrics = try await DaemonTests.http(setup, "/metrics").1
            return Set(promised).isSubset(of: Self.exported(metrics))
                && Self.total("jobstatusd_input_committed_offset", in: metrics) == Double(events.count)
        }
        let exported = Self.exported(metrics)
        for name in promised {
            #expect(exported.contains(name), "\(name) is documented but not exported")
        }
        #expect(Self.total("jobstatusd_input_committed_offset", in: metrics) == Double(events.count), "\(metrics)")
        #expect(Self.total("jobstatusd_consumed_total", in: metrics) == Double(events.count))
        #expect(Self.total("jobstatusd_invalid_total", in: metrics) == 1)
        #expect(Self.total("jobstatusd_dead_lettered_total", in: metrics) == 1)
        #expect(Self.total("jobstatusd_transactions_committed_total", in: metrics) >= 1)
        #expect(Self.total("jobstatusd_assigned_partitions", in: metrics) == 3)
        #expect(metrics.contains(#"jobstatusd_kafka_txmsgs_total{client="producer"} "#))
        #expect(metrics.contains(#"jobstatusd_kafka_rxmsgs_total{client="consumer"} "#))
        process.terminate()
        process.waitUntilExit()
    }
}
