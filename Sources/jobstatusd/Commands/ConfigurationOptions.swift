import ArgumentParser
import Logging

/// The configuration flags every Kafka-facing command shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The YAML configuration file.", valueName: "path"))
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override one setting, highest precedence (repeatable): --set output.topic=x. Not for secrets: a command line is visible to every user; use LoadCredential= or the environment file.",
            valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error (overrides log.level).")
    var logLevel: String?

    /// Loads the layered configuration; a mistake prints one line and exits with status 2.
    func load(fileIsOptional: Bool = false, extra: [String] = []) throws -> DaemonConfiguration {
        do {
            return try loader(fileIsOptional: fileIsOptional, extra: extra).load()
        } catch {
            writeToStandardError("jobstatusd: configuration error: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// The loader these flags describe (a reload runs it again).
    func loader(fileIsOptional: Bool = false, extra: [String] = []) -> ConfigurationLoader {
        var flags = extra + overrides
        if let logLevel { flags.append("log.level=\(logLevel)") }
        return ConfigurationLoader(filePath: config, fileIsOptional: fileIsOptional, flags: flags)
    }
}
