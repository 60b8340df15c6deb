import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import Relay
import ServiceLifecycle
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

/// Wires the services of `run` (and of `demo`) together.
struct DaemonRunner {
    let configuration: DaemonConfiguration
    let logger: Logger
    var status = RelayStatus()
    /// What SIGHUP does; nil (the demo) leaves SIGHUP's default.
    var reload: ConfigurationReload?

    /// Runs until drained (0) or failed (``ExitStatus``).
    func run() async -> Int32 {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(CatalogMetricsFactory(registry: registry))
        let statistics = KafkaStatistics()
        var relayConfiguration = configuration.relay
        relayConfiguration.statisticsHandler = statistics.handler
        if relayConfiguration.kafka["statistics.interval.ms"] == nil {
            relayConfiguration.kafka["statistics.interval.ms"] = "10000"
        }
        #if DEBUG
            // Test-only fault switch (debug builds only): the relay loop hangs while this file exists.
            if let path = ProcessInfo.processInfo.environment["JSD_DEBUG_STALL_FILE"], !path.isEmpty {
                logger.warning("debug build: the relay loop stalls while \(path) exists")
                relayConfiguration.stallSwitch = { FileManager.default.fileExists(atPath: path) }
            }
        #endif
        let relay = Relay(configuration: relayConfiguration, logger: logger, status: status)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: RelayService(relay: relay, logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .cancelGroup),
            .init(service: MetricsService(status: status, statistics: statistics)),
        ]
        if let listen = configuration.httpListen {
            services.append(
                .init(
                    service: HTTPService.make(
                        host: listen.host, port: listen.port, status: status, registry: registry, logger: logger),
                    failureTerminationBehavior: .cancelGroup))
        }
        let socket = SystemdNotifySocket.fromEnvironment()
        if let socket {
            services.append(.init(service: SystemdService(socket: socket, status: status, logger: logger)))
        }
        if let reload {
            services.append(
                .init(service: ReloadService(reload: reload, socket: socket, status: status, logger: logger)))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        let group = ServiceGroup(configuration: groupConfiguration)
        let secondSignal = Task { await Self.exitOnSecondSignal(logger: logger) }
        defer { secondSignal.cancel() }
        do {
            try await group.run()
            logger.notice("drained; exiting")
            return 0
        } catch {
            let status = Self.exitStatus(for: error)
            logger.critical("exiting after a fatal error: \(error)", metadata: ["exit-status": "\(status)"])
            return status
        }
    }

    /// Permanent topology errors get their own status, which the unit does not restart on.
    static func exitStatus(for error: any Error) -> Int32 {
        guard let error = error as? RelayError else { return ExitStatus.failure }
        switch error.kind {
        case .outputNotCompacted, .topicMismatch: return ExitStatus.topology
        case .duplicateInstance: return ExitStatus.usage
        case .topicMissing where error.underlying == nil: return ExitStatus.topology
        case .topicMissing, .fatalKafka, .deliveryFailed, .other: return ExitStatus.failure
        }
    }

    /// The first SIGTERM/SIGINT drains (ServiceGroup); a second one exits at once.
    private static func exitOnSecondSignal(logger: Logger) async {
        var count = 0
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            count += 1
            if count >= 2 {
                logger.warning("second \(signal): exiting without draining")
                exit(ExitStatus.interrupted)
            }
        }
    }
}
