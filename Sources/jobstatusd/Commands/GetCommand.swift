import ArgumentParser
import Logging
import Relay

/// `jobstatusd get JOB_ID`: one job's current canonical record, from the compacted topic.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the current canonical record of one job, read from the compacted output topic.",
        discussion: """
            Reads the job's partition (murmur2 of the job_id, as every Kafka client computes it) \
            read_committed to its end and prints the last record. Exit 0 if found, 1 if the topic has no \
            record for the job, 2 on usage or configuration errors.
            """)

    @Argument(help: "The job_id.") var jobID: String
    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try options.load(fileIsOptional: true)
        DaemonLogging.bootstrap(level: min(configuration.logLevel, .warning), format: configuration.logFormat)
        let reader = OutputTopicReader(
            kafka: configuration.relay.kafka(for: .consumer), topic: configuration.relay.outputTopic,
            logger: Logger(label: "jobstatusd.get"))
        guard let record = try await reader.latest(jobID: jobID) else {
            writeToStandardError("jobstatusd get: no record for job \(jobID) in \(configuration.relay.outputTopic)\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
        StandardOutput().writeLine(record)
    }
}

extension Logger.Level {
    static func min(_ a: Logger.Level, _ b: Logger.Level) -> Logger.Level { a < b ? b : a }
}
