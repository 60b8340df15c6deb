import ArgumentParser
import Foundation
import JobStatus
import Kafka
import Logging
import Relay

/// `jobstatusd demo`: the whole product on an embedded broker.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the relay on an embedded Kafka broker with synthetic producers and a live view.",
        discussion: """
            Starts librdkafka's mock cluster in-process (real Kafka protocol on loopback), creates the \
            topics, runs synthetic producers that emit job lifecycles with duplicates, late events and a \
            few invalid records, runs the real relay through the real configuration path (--config and \
            --set work as for run), and shows a live view of jobs per status and of what was published, \
            dropped and dead-lettered. Ends with a summary that checks every input record is accounted for; \
            exit 0 if it is.
            """)

    @Option(help: "How long the producers run, in seconds.") var duration: Double = 20
    @Option(help: "How many jobs the producers run through their lifecycles.") var jobs = 300
    @Option(help: "Events per second the producers send.") var rate: Double = 400
    @Option(help: "Partitions of the demo topics.") var partitions: Int32 = 4
    @Option(
        help: ArgumentHelp(
            "Tombstone and forget jobs terminal for longer than this many seconds (output.finished-retention).",
            valueName: "seconds"))
    var finishedRetention: Double?
    @Option(
        help: ArgumentHelp(
            "Serve the monitor's page here while the demo runs (jobstatusd monitor); \"\" for none.",
            valueName: "host:port"))
    var monitor = "127.0.0.1:9465"
    @OptionGroup var options: ConfigurationOptions

    func validate() throws {
        guard duration > 0, jobs > 0, rate > 0, partitions > 0 else {
            throw ValidationError("--duration, --jobs, --rate and --partitions must be positive")
        }
        guard (finishedRetention ?? 1) >= 0.001 else {
            throw ValidationError("--finished-retention must be at least 0.001 seconds (1 ms)")
        }
    }

    func run() async throws {
        var configuration = try options.load(
            fileIsOptional: true,
            extra: [
                "output.replication=1", "kafka.session.timeout.ms=6000", "kafka.heartbeat.interval.ms=1000",
                "log.level=warning",
            ] + (finishedRetention.map { ["output.finished-retention=\(Int64($0 * 1000))ms"] } ?? []))
        // Logging first: a logger takes its handler when it is made.
        DaemonLogging.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        let logger = Logger(label: "jobstatusd.demo")
        let mock: MockCluster
        do {
            mock = try MockCluster(brokers: 3, logger: logger)
        } catch {
            writeToStandardError("jobstatusd demo: cannot start the embedded broker: \(error)\n")
            throw ExitCode(1)
        }
        configuration.kafka.bootstrapServers = mock.bootstrapServers
        configuration.relay.kafka.bootstrapServers = mock.bootstrapServers
        configuration.relay.checksOutputCompaction = false  // the embedded broker cannot describe configs
        let relay = configuration.relay
        for topic in [relay.inputTopics.first ?? "job-status", relay.outputTopic, relay.deadLetterTopic] {
            try mock.createTopic(topic, partitions: partitions)
        }
        let session = DemoSession(
            mock: mock, configuration: configuration, jobs: jobs, rate: rate,
            duration: .milliseconds(Int64(duration * 1000)),
            monitorListen: monitor.isEmpty ? nil : try MonitorCommand.address(monitor), logger: logger)
        let ok = try await session.run()
        if !ok { throw ExitCode(1) }
    }
}
