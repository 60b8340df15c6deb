import ArgumentParser
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
