import Foundation
import Logging
import Relay
import ServiceLifecycle
import UnixSignals

/// Wires the services of `run` (and of `demo`) together.
struct DaemonRunner {
    let configuration: DaemonConfiguration
    let logger: Logger
    var status = RelayStatus()
    /// What SIGHUP does; nil (the demo) leaves SIGHUP's default.
    var reload: ConfigurationReload?

    /// Runs until drained (0) or failed (``ExitStatus``).
    func run() async -> Int32 {
        let observability = ObservabilityServices.bootstrap()
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
                successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .cancelGroup)
        ]
        services += observability.services(
            status: status, statistics: statistics, listen: configuration.httpListen, logger: logger)
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
