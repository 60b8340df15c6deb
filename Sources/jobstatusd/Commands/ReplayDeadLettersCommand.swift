import ArgumentParser
import Kafka
import Logging
import Relay

/// `jobstatusd replay-dlq`: put dead letters back on the input once their cause is fixed.
struct ReplayDeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay-dlq",
        abstract: "Re-inject dead letters into the input topic once the cause is fixed.",
        discussion: """
            Reads the dead-letter topic (read_committed) from the beginning up to its end as it is when \
            the command starts, and produces each dead letter's key, value and headers to the topic it \
            came from (jobstatusd.source.topic, or --to). Its headers are kept, so its first source \
            coordinates stay traceable, and jobstatusd.replayed-from names the dead letter itself. A \
            record that is still invalid is dead-lettered again, its new coordinates last. Dead letters \
            without a value (jobstatusd.error.value-omitted) cannot be replayed and are counted. Replaying \
            twice is harmless for the output: the relay drops exact repeats. Exit 0 when every selected \
            dead letter was replayed (or --dry-run), 1 otherwise.
            """)

    @Option(name: .customLong("reason"), help: "Only dead letters with this jobstatusd.error.reason (repeatable).")
    var reasons: [String] = []
    @Option(help: "Produce to this topic instead of each dead letter's source topic.") var to: String?
    @Flag(help: "Count what would be replayed; produce nothing.") var dryRun = false
    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try options.load(fileIsOptional: true)
        DaemonLogging.bootstrap(level: min(configuration.logLevel, .warning), format: configuration.logFormat)
        let logger = Logger(label: "jobstatusd.replay-dlq")
        let replay = DeadLetterReplay(
            relay: configuration.relay, reasons: Set(reasons), destination: to, dryRun: dryRun, logger: logger)
        let report = try await replay.run()
        print(report.summary(dryRun: dryRun, topic: configuration.relay.deadLetterTopic))
        if report.failed > 0 || report.withoutValue > 0 { throw ExitCode(ExitStatus.failure) }
    }
}

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
