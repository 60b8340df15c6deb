import Kafka
import Logging
import Relay

/// Reads the DLQ to its end and produces the selected dead letters back to their input.
struct DeadLetterReplay {
    static let replayedFromHeader = "jobstatusd.replayed-from"

    struct Report {
        var read = 0
        var selected = 0
        var replayed = 0
        var withoutValue = 0
        var failed = 0
        var byReason: [String: Int] = [:]

        func summary(dryRun: Bool, topic: String) -> String {
            let reasons = byReason.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(topic): \(read) dead letters read, \(selected) selected (\(reasons)), "
                + (dryRun ? "dry run: nothing produced" : "\(replayed) replayed")
                + (withoutValue > 0 ? ", \(withoutValue) without a value (cannot be replayed)" : "")
                + (failed > 0 ? ", \(failed) not delivered" : "")
        }
    }

    let relay: RelayConfiguration
    let reasons: Set<String>
    let destination: String?
    let dryRun: Bool
    let logger: Logger

    func run() async throws -> Report {
        let reader = OutputTopicReader(
            kafka: relay.kafka(for: .consumer), topic: relay.deadLetterTopic, logger: logger,
            timeout: relay.operationTimeout)
        let letters = try await reader.readToEnd()
        var report = Report(read: letters.count)
        var messages: [KafkaOutgoingMessage] = []
        for letter in letters {
            let reason = DeadLetter.currentHeader(DeadLetter.Header.reason, of: letter) ?? "?"
            guard reasons.isEmpty || reasons.contains(reason) else { continue }
            report.selected += 1
            report.byReason[reason, default: 0] += 1
            guard let value = letter.value, DeadLetter.currentHeader(DeadLetter.Header.valueOmitted, of: letter) == nil
            else {
                report.withoutValue += 1
                continue
            }
            // A dead letter of input.keying any's relay stage was read from the internal repartition
            // topic: it goes back to the input record's own topic, through the first stage again.
            let source = DeadLetter.source(of: letter)?.0.topic
            let origin =
                source == relay.repartitionTopic
                ? DeadLetter.currentHeader(RepartitionRecord.Header.originTopic, of: letter) : nil
            guard let topic = destination ?? origin ?? source else {
                report.failed += 1
                continue
            }
            let replayedFrom = KafkaHeader(
                name: Self.replayedFromHeader, string: "\(letter.topicPartition)@\(letter.offset.rawValue)")
            messages.append(
                KafkaOutgoingMessage(
                    topic: topic, key: letter.key, value: value, headers: letter.headers + [replayedFrom]))
        }
        guard !dryRun, !messages.isEmpty else { return report }
        var kafka = relay.kafka(for: .producer)
        kafka["enable.idempotence"] = "true"
        // Keyed like the producers of the input, so a job's replayed events join its partition.
        kafka["partitioner"] = "murmur2_random"
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        for message in messages { try await producer.send(message) }
        try await producer.flush(timeout: relay.operationTimeout * 3)
        let delivery = producer.takeDeliveryReport()
        await producer.close()
        report.replayed = delivery.delivered
        report.failed += messages.count - delivery.delivered
        return report
    }
}
