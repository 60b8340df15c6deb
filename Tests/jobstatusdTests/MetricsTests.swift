import Kafka
import Metrics
import Prometheus
import Testing

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

    @Test func everyMetricTheDaemonNamesIsInTheCatalog() {
        for name in [
            "jobstatusd_consumed_total", "jobstatusd_consumer_lag", "jobstatusd_restore_seconds",
            "process_cpu_seconds_total", "jobstatusd_kafka_txmsgs_total",
        ] {
            #expect(!MetricCatalog.help(name).isEmpty, "\(name)")
        }
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
