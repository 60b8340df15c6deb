import ArgumentParser
import Kafka
import Logging
import Relay

/// `jobstatusd check-config`: the effective configuration, secrets redacted.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print the effective settings (secrets redacted).",
        discussion: """
            Merges built-in defaults, the YAML file (--config, default /etc/jobstatusd/jobstatusd.yaml), \
            JOBSTATUSD_* environment variables and --set flags, in that order of precedence, and prints \
            every setting with where it came from. kafka.* properties are checked by librdkafka. Exits 2 \
            with one line naming the key and the fix on any error.

            With --connect it then reaches the brokers with the configured credentials and checks what \
            run needs: the input topics, the output topic (compacted, or creatable), the dead-letter \
            topic and the consumer group, naming the ACL behind each failure. Exits 1 if any check fails.
            """)

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Also contact Kafka: topics, compaction, group access (exit 1 on a failed check).")
    var connect = false

    func run() async throws {
        let configuration = try options.load()
        do throws(KafkaError) {
            for role in ClientRole.allCases {
                try configuration.relay.kafka(for: role).validate()
            }
        } catch {
            writeToStandardError("jobstatusd: configuration error: \(error.message)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let width = configuration.effective.map(\.key.count).max() ?? 0
        for entry in configuration.effective {
            let padding = String(repeating: " ", count: max(0, width - entry.key.count))
            print("\(entry.key)\(padding) = \(entry.value.isEmpty ? "\"\"" : entry.value)    # \(entry.source)")
        }
        if connect { try await checkConnection(configuration) }
    }

    private func checkConnection(_ configuration: DaemonConfiguration) async throws {
        // librdkafka's own connection errors would repeat the findings below, less clearly.
        DaemonLogging.bootstrap(level: .critical, format: configuration.logFormat)
        print("")
        let findings = await ConnectionCheck(relay: configuration.relay, logger: Logger(label: "jobstatusd.check"))
            .run()
        for finding in findings { print("\(finding.level.rawValue) \(finding.text)") }
        if findings.contains(where: { $0.level == .failed }) { throw ExitCode(ExitStatus.failure) }
    }
}
