import ArgumentParser
import Kafka
import Relay

/// `jobstatusd check-config`: the effective configuration, secrets redacted.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print the effective settings (secrets redacted).",
        discussion: """
            Merges built-in defaults, the YAML file (--config, default /etc/jobstatusd/jobstatusd.yaml), \
            JOBSTATUSD_* environment variables and --set flags, in that order of precedence, and prints \
            every setting with where it came from. kafka.* properties are checked by librdkafka. Exits 2 \
            with one line naming the key and the fix on any error. Does not contact Kafka.
            """)

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
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
    }
}
