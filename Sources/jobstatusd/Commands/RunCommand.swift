import ArgumentParser
import Logging
import UnixSignals

/// `jobstatusd run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the relay: Kafka job-status events in, a compacted latest-status topic out.",
        discussion: """
            Runs until SIGTERM or SIGINT, then drains: the open transaction commits (or aborts), the \
            consumer leaves its group, and the process exits 0 within shutdown.timeout. A second \
            signal exits at once (130). SIGHUP re-reads the configuration and applies log.level. \
            Under systemd (Type=notify) it sends READY=1 after the restore, STATUS= progress, \
            EXTEND_TIMEOUT_USEC= while a long restore makes progress, and WATCHDOG=1 while the relay \
            loop is healthy.

            Exit status: 0 drained; 1 a runtime failure a restart may cure (a fatal Kafka error, a \
            fenced producer, a restore timeout); 2 a configuration or command-line error; 3 the \
            topics are not as required (output not compacted, a topic missing that may not be \
            created); 130 a second signal. The unit lists 2 and 3 in RestartPreventExitStatus=.
            """)

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try options.load()
        let levelSwitch = DaemonLogging.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        let logger = Logger(label: "jobstatusd")
        var runner = DaemonRunner(configuration: configuration, logger: logger)
        let loader = options.loader()
        runner.reload = ConfigurationReload(
            running: configuration, levelSwitch: levelSwitch,
            load: { () throws(ConfigurationError) in try loader.load() })
        let exitCode = await runner.run()
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
