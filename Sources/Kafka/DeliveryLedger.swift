/// Sums delivery reports as librdkafka serves them (on the producer thread).
final class DeliveryLedger: Sendable {
    private let report = Locked(DeliveryReport())

    func record(_ error: KafkaError?, tag: Int?) {
        report.withLock { report in
            guard let error else {
                report.delivered += 1
                return
            }
            report.failedCount += 1
            if report.failures.count < 100 { report.failures.append(error) }
            if let tag, report.failedTags.count < 10_000 { report.failedTags[tag] = error }
        }
    }

    func take() -> DeliveryReport {
        report.withLock { report in
            defer { report = DeliveryReport() }
            return report
        }
    }
}
