import ArgumentParser
import Foundation
import Logging
import Monitor
import ServiceLifecycle

/// `jobstatusd monitor`: the reference downstream consumer of the compacted topic, as a web page.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Serve a live web page of every job's latest status, read from the compacted output topic.",
        discussion: """
            Reads the output topic read_committed to its end (as a restore does), then follows it, keeping \
            every job's latest record and the transitions seen since start (bounded per job and in all). \
            Serves the page at --listen, a JSON API (/api/summary, /api/jobs, /api/jobs/{id}), server-sent \
            events of each transition (/api/events, resumable with Last-Event-ID), /healthz, /readyz (after \
            the first read to the end) and /metrics. It reads only what docs/CONTRACT.md promises.

            It listens on loopback by default. Beyond loopback it needs a token, read from a file: \
            --token-file, or the systemd credential monitor.token (LoadCredential=monitor.token:PATH); never \
            a flag's value. The browser asks for it as a basic-auth password (any user name); scripts send \
            Authorization: Bearer TOKEN. /healthz and /readyz stay open.
            """)

    @OptionGroup var options: ConfigurationOptions
    @Option(help: ArgumentHelp("Where to serve the page.", valueName: "host:port")) var listen = "127.0.0.1:9465"
    @Option(help: ArgumentHelp("A file holding the access token (see below).", valueName: "path"))
    var tokenFile: String?
    @Option(help: "Transitions kept per job.") var transitionsPerJob = 20
    @Option(help: "Transitions kept in all (how far Last-Event-ID resumes).") var transitions = 100_000

    func run() async throws {
        let configuration = try options.load(fileIsOptional: true)
        DaemonLogging.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        let logger = Logger(label: "jobstatusd.monitor")
        let address = try Self.address(listen)
        let token = try Self.token(file: tokenFile)
        if token == nil && !Self.isLoopback(address.host) {
            writeToStandardError(
                "jobstatusd: --listen \(listen) is beyond loopback: give a token (--token-file PATH, or the "
                    + "credential monitor.token), or listen on 127.0.0.1\n")
            throw ExitCode(ExitStatus.usage)
        }
        let services = MonitorServices.make(
            kafka: configuration.relay.kafka(for: .consumer), topic: configuration.relay.outputTopic, listen: address,
            authorization: token.map { MonitorAuthorization(token: $0) },
            limits: .init(transitionsPerJob: transitionsPerJob, transitions: transitions),
            loadTimeout: configuration.relay.restoreTimeout, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.notice(
            "monitor: serving", metadata: ["url": "http://\(listen)/", "topic": "\(configuration.relay.outputTopic)"])
        do {
            try await group.run()
        } catch {
            logger.critical("monitor: exiting after a fatal error: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }

    static func address(_ text: String) throws -> (host: String, port: Int) {
        guard let address = ListenAddress.parse(text) else {
            writeToStandardError("jobstatusd: --listen \"\(text)\" is not host:port (e.g. 127.0.0.1:9465)\n")
            throw ExitCode(ExitStatus.usage)
        }
        return address
    }

    /// `localhost`, `::1` or an IPv4 address in 127.0.0.0/8 (as an address, not a name that
    /// starts with 127.).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1 && UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    /// The token from `file`, else from the systemd credential `monitor.token`; nil when neither is given.
    static func token(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String? {
        let credential = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 + "/monitor.token" }
        guard let path = file ?? credential.flatMap({ FileManager.default.fileExists(atPath: $0) ? $0 : nil }) else {
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            writeToStandardError("jobstatusd: --token-file \(path) cannot be read by user \(getuid())\n")
            throw ExitCode(ExitStatus.usage)
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            writeToStandardError("jobstatusd: --token-file \(path) is empty; put the token in it\n")
            throw ExitCode(ExitStatus.usage)
        }
        return token
    }
}
