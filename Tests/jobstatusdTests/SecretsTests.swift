import Foundation
import TestSupport
import Testing

@testable import jobstatusd

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Secrets the systemd way (`LoadCredential=` files in `$CREDENTIALS_DIRECTORY`), and a secret
/// that reaches librdkafka must reach nothing else: logs, check-config, /metrics, the command line.
@Suite("Secrets", .timeLimit(.minutes(2)))
struct SecretsTests {
    static let secret = "pw-\(UUID().uuidString)"

    static func credentials(_ files: [String: String]) throws -> String {
        let directory = TemporaryFile.path("creds-")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, value) in files {
            try value.write(toFile: directory + "/" + name, atomically: false, encoding: .utf8)
        }
        return directory
    }

    @Test func credentialFilesAreSettingsNamedByTheirKey() throws {
        let directory = try Self.credentials(["kafka.sasl.password": Self.secret + "\n", "output.topic": "from-cred"])
        let loaded = try ConfigurationLoader(
            filePath: nil, fileIsOptional: true, environment: ["CREDENTIALS_DIRECTORY": directory]
        ).load()
        #expect(loaded.kafka["sasl.password"] == Self.secret, "the final newline is not part of it")
        #expect(loaded.relay.outputTopic == "from-cred")
        let entry = try #require(loaded.effective.first { $0.key == "kafka.sasl.password" })
        #expect(entry.value == "[redacted]" && entry.source == .credential(name: "kafka.sasl.password"))

        let overridden = try ConfigurationLoader(
            filePath: nil, fileIsOptional: true,
            environment: ["CREDENTIALS_DIRECTORY": directory, "JOBSTATUSD_OUTPUT_TOPIC": "from-env"]
        ).load()
        #expect(overridden.relay.outputTopic == "from-env", "the environment is above credentials")

        let files = try Self.credentials(["tls.key": "-----BEGIN PRIVATE KEY-----"])
        let withFiles = try ConfigurationLoader(
            filePath: nil, fileIsOptional: true, environment: ["CREDENTIALS_DIRECTORY": files]
        ).load()
        #expect(!withFiles.effective.contains { $0.key.contains("tls") }, "other credentials are files, used by path")
    }

    /// The daemon runs SASL/PLAIN with the password from a credential file, against a broker that
    /// records what the client authenticates with (the mock cluster has no SASL): the secret must
    /// reach librdkafka's SASL code, on the wire, and nothing else, with every log at debug
    /// (librdkafka's security and broker debug contexts included).
    @Test func aSecretReachesSASLAndNoLogNoMetricNoCommandLineAndNoCheckConfigOutput() async throws {
        let broker = try SASLRecorder()
        defer { broker.close() }
        let port = try DaemonTests.freePort()
        let configPath = try TemporaryFile.write(
            """
            kafka:
              bootstrap.servers: "\(broker.bootstrapServers)"
              security.protocol: SASL_PLAINTEXT
              sasl.mechanism: PLAIN
              sasl.username: "relay"
              debug: "security,broker,conf"
            input:
              topics: [secrets-in]
            output:
              topic: secrets-out
            operation:
              timeout: 90s
            shutdown:
              timeout: 120s
            http:
              listen: "127.0.0.1:\(port)"
            log:
              level: debug
            """)
        // The operation timeout keeps the daemon alive while the checks read it: its start never
        // gets past SASL here, and it exits once that times out (10 s ran out on a loaded machine
        // before /metrics was read, in 2 runs of 4).
        var environment = JobStatusBinary.cleanEnvironment
        environment["CREDENTIALS_DIRECTORY"] = try Self.credentials(["kafka.sasl.password": Self.secret])

        let check = try JobStatusBinary.run(["check-config", "--config", configPath], environment: environment)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("[redacted]") && check.stdout.contains("credential kafka.sasl.password"))

        let logPath = TemporaryFile.path("log-")
        #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = try JobStatusBinary.binary
        process.arguments = ["run", "--config", configPath]
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        try await waitUntil("the client to authenticate", timeout: .seconds(30)) {
            !broker.authentications.isEmpty || !process.isRunning
        }
        let http = LocalHTTP(port: port)
        try await waitUntil("/metrics to answer", timeout: .seconds(30)) {
            (try? await http.get("/metrics").status) == 200
        }
        let metrics = try await http.get("/metrics").body
        let commandLine = try String(contentsOfFile: "/proc/\(process.processIdentifier)/cmdline", encoding: .utf8)
        let processEnvironment = try String(
            contentsOfFile: "/proc/\(process.processIdentifier)/environ", encoding: .utf8)
        #expect(process.isRunning, "/proc was read from the daemon, not from a pid after it")
        kill(process.processIdentifier, SIGKILL)  // no drain to wait for: it never got past SASL
        process.waitUntilExit()
        try log.close()
        let logged = try String(contentsOfFile: logPath, encoding: .utf8)

        let token = try #require(broker.authentications.first)
        #expect(
            token.firstRange(of: Array("\0relay\0\(Self.secret)".utf8)) != nil,
            "librdkafka's SASL/PLAIN code sent the credential file's password: \(token.count) bytes")
        #expect(commandLine.contains("run") && commandLine.contains(configPath), "the daemon's own command line")
        #expect(processEnvironment.contains("CREDENTIALS_DIRECTORY="), "the daemon's own environment")
        #expect(
            logged.contains("for SASL mechanism PLAIN") && logged.contains("sasl.password = [redacted]"),
            "librdkafka's security and configuration debug lines are in the log: \(logged.suffix(1500))")
        #expect(logged.contains(" debug "), "the log is at debug level: \(logged.suffix(500))")
        #expect(!logged.contains(Self.secret), "no secret in the log")
        #expect(!metrics.contains(Self.secret), "no secret in /metrics")
        #expect(!commandLine.contains(Self.secret), "no secret on the command line")
        #expect(!processEnvironment.contains(Self.secret), "no secret in the environment")
        #expect(!check.stdout.contains(Self.secret) && !check.stderr.contains(Self.secret))
    }
}
