import ArgumentParser
import Foundation
import JobStatus
import Kafka
import Logging
import Relay

/// `jobstatusd watch`: follow the compacted topic like a job monitor.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow the compacted output topic and show every job's latest status.",
        discussion: """
            Reads the output topic read_committed from the beginning and keeps following it. Shows a live \
            table: jobs per status and the most recently changed jobs. --json prints each record as a JSON \
            line instead (machine output). Ctrl-C stops.
            """)

    @OptionGroup var options: ConfigurationOptions
    @Flag(help: "Print each record as a JSON line instead of the live table.") var json = false
    @Option(help: "Stop after this many seconds (default: follow until interrupted).") var seconds: Double?
    @Option(help: "How many recently changed jobs the table lists.") var recent = 15

    func run() async throws {
        let configuration = try options.load(fileIsOptional: true)
        DaemonLogging.bootstrap(level: min(configuration.logLevel, .warning), format: configuration.logFormat)
        let reader = OutputTopicReader(
            kafka: configuration.relay.kafka(for: .consumer), topic: configuration.relay.outputTopic,
            logger: Logger(label: "jobstatusd.watch"))
        let partitions = try await reader.partitionCount()
        let consumer = try reader.makeConsumer()
        try consumer.assign(
            (0..<partitions).map {
                TopicPartitionOffset(TopicPartition(configuration.relay.outputTopic, $0), .beginning)
            })
        var board = JobBoard()
        let output = StandardOutput()
        let deadline = seconds.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        var lastDraw = ContinuousClock.now - .seconds(1)
        while deadline.map({ ContinuousClock.now < $0 }) ?? true, !Task.isCancelled {
            if case .messages(let batch) = await consumer.poll(maxMessages: 5000, timeout: .milliseconds(250)) {
                for message in batch {
                    board.apply(message)
                    if json, let value = message.value { output.writeLine(value) }
                }
                if json { output.flush() }
            }
            if !json && ContinuousClock.now - lastDraw >= .seconds(1) {
                lastDraw = .now
                print(board.render(topic: configuration.relay.outputTopic, recent: recent), terminator: "")
                fflush(nil)
            }
        }
        await consumer.close()
    }
}

/// Latest status of every job seen, for the live table.
struct JobBoard {
    private(set) var latest: [String: (status: String, message: String, sequence: Int)] = [:]
    private var sequence = 0

    mutating func apply(_ message: KafkaMessage) {
        guard let key = message.key.map({ String(decoding: $0, as: UTF8.self) }) else { return }
        guard let value = message.value else {
            latest[key] = nil
            return
        }
        sequence += 1
        let status = try? JobStatus.decode(value, options: DecodingOptions(unknownStatus: .pass))
        latest[key] = (status?.status.name ?? "?", status?.statusMessage ?? "", sequence)
    }

    func counts() -> [(String, Int)] {
        var counts: [String: Int] = [:]
        for entry in latest.values { counts[entry.status, default: 0] += 1 }
        let order = Status.known.map(\.name)
        return counts.sorted {
            (order.firstIndex(of: $0.key) ?? 99, $0.key) < (order.firstIndex(of: $1.key) ?? 99, $1.key)
        }
    }

    func render(topic: String, recent: Int) -> String {
        var lines = ["\u{1B}[H\u{1B}[2J" + "jobstatusd watch: \(topic): \(latest.count) jobs"]
        lines.append(counts().map { "\($0.0) \($0.1)" }.joined(separator: "   "))
        lines.append("")
        lines.append(
            "JOB ID".padding(toLength: 40, withPad: " ", startingAt: 0)
                + "STATUS".padding(toLength: 14, withPad: " ", startingAt: 0) + "MESSAGE")
        let newest = latest.sorted { $0.value.sequence > $1.value.sequence }.prefix(recent)
        for (job, entry) in newest {
            // Job ids and messages are producer text: control characters (a newline, an escape
            // sequence) are shown escaped, never let loose on the terminal.
            let job = LogEscaping.controlCharacters(job)
            let status = LogEscaping.controlCharacters(entry.status)
            lines.append(
                String(job.prefix(39)).padding(toLength: 40, withPad: " ", startingAt: 0)
                    + status.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + LogEscaping.controlCharacters(entry.message).prefix(60))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
