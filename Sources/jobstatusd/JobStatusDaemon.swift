import ArgumentParser
import Kafka

/// The `jobstatusd` command line: the daemon and its operator tools.
struct JobStatusDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobstatusd",
        abstract: "Turns a noisy stream of job-status events on Kafka into a compacted latest-status topic.",
        discussion: """
            Reads qiskit-style JobStatus events ({"job_id", "status", "status_msg", ...}) from Kafka, \
            deduplicates them by job_id and republishes the RFC 8785 canonical form, keyed by job_id, \
            to a compacted topic, exactly once.
            """,
        version: JobStatusDaemonVersion.current,
        subcommands: [
            RunCommand.self, DemoCommand.self, CheckConfigCommand.self, CanonicalizeCommand.self, GetCommand.self,
            WatchCommand.self, MonitorCommand.self, ReplayDeadLettersCommand.self, MockBrokerCommand.self,
        ]
    )
}
