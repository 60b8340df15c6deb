import ArgumentParser
import Foundation
import JobStatus
import Kafka
import Logging

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
            KafkaPartition.all(count: partitions).map {
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
