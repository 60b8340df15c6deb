import Foundation
import JobStatus
import Kafka
import Metrics
import Relay

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
