import Synchronization

/// What happened to produced records since the last ``KafkaProducer/takeDeliveryReport()``.
public struct DeliveryReport: Hashable, Sendable {
    /// Records the broker acknowledged.
    public var delivered: Int = 0
    /// Records that failed permanently, with why (at most the first 100 kept).
    public var failures: [KafkaError] = []
    /// How many failed in all.
    public var failedCount: Int = 0

    public init() {}

    /// Whether nothing failed.
    public var isSuccess: Bool { failedCount == 0 }
}

/// Sums delivery reports as librdkafka serves them (on the producer thread).
final class DeliveryLedger: Sendable {
    private let report = Locked(DeliveryReport())

    func record(_ error: KafkaError?) {
        report.withLock { report in
            guard let error else {
                report.delivered += 1
                return
            }
            report.failedCount += 1
            if report.failures.count < 100 { report.failures.append(error) }
        }
    }

    func take() -> DeliveryReport {
        report.withLock { report in
            defer { report = DeliveryReport() }
            return report
        }
    }
}
