import Foundation
import Kafka
import TestSupport
import Testing

/// What README.md and docs/operations.md promise about the life of `jobstatusd run`, each
/// checked on the built binary: a bad configuration exits 2 with one line naming the key, a
/// second signal exits 130 without draining, a reload re-reads the file, the environment and
/// the flags, and READY=1 comes only after a restore that read the output topic.
@Suite("jobstatusd run: exit statuses, signals, reload, readiness", .timeLimit(.minutes(3)))
struct DaemonLifecycleTests {
    /// "An unknown key, a bad value or an impossible combination stops the daemon with one line
    /// naming the key, where it came from and what is allowed (exit 2)", for `run` and
    /// `check-config` alike, whichever layer the mistake is in.
    @Test func aBadConfigurationExitsTwoWithOneLineNamingTheKey() throws {
        let badValue = try TemporaryFile.write("transaction:\n  interval: soon\nhttp:\n  listen: \"\"\n")
        let good = try TemporaryFile.write("http:\n  listen: \"\"\n")
        var badEnvironment = JobStatusBinary.cleanEnvironment
        badEnvironment["JOBSTATUSD_LOG_LEVEL"] = "loud"
        let cases: [(arguments: [String], environment: [String: String], key: String, source: String)] = [
            (["--config", badValue], JobStatusBinary.cleanEnvironment, "transaction.interval", "\(badValue) line 2"),
            (
                ["--config", good, "--set", "output.partitons=3"], JobStatusBinary.cleanEnvironment, "output.partitons",
                "(--set)"
            ),
            (["--config", good], badEnvironment, "log.level", "environment JOBSTATUSD_LOG_LEVEL"),
        ]
        for command in ["run", "check-config"] {
            for (arguments, environment, key, source) in cases {
                let run = try JobStatusBinary.run([command] + arguments, environment: environment)
                let lines = run.stderr.split(separator: "\n")
                #expect(run.status == 2, "\(command) \(arguments): \(run.stderr)")
                #expect(lines.count == 1, "one line: \(run.stderr)")
                #expect(run.stderr.contains(key), "\(command) names \(key): \(run.stderr)")
                #expect(run.stderr.contains(source), "\(command) says where it came from, \(source): \(run.stderr)")
                #expect(run.stdout.isEmpty, "nothing done: \(run.stdout)")
            }
        }
    }

    /// "SIGTERM ... drains ...; a second signal exits at once (130)." The drain is held up by a
    /// broker that answers after 30 s (leaving the group alone then takes `operation.timeout`),
    /// so the second signal surely comes while it runs.
    @Test(.enabled(if: !TestBroker.isExternal, "a slow broker needs the mock cluster"))
    func aSecondSignalDuringTheDrainExits130() async throws {
        let setup = try await DaemonTests.setup()
        defer { withExtendedLifetime(setup) {} }
        let mock = try #require(setup.broker.mock)
        let notify = try NotifyListener()
        defer { notify.close() }
        let process = try DaemonTests.launch(setup, notify: notify)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        _ = try await notify.waitFor("READY=1")

        for broker: Int32 in 1...3 { try mock.setRoundTripTime(broker: broker, .seconds(30)) }
        let firstAt = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        _ = try await notify.waitFor("STOPPING=1", after: firstAt, timeout: .seconds(20))
        #expect(process.isRunning, "still draining when the second signal comes")
        let secondAt = ContinuousClock.now
        kill(process.processIdentifier, SIGINT)
        try await waitUntil("the process to exit", timeout: .seconds(10)) { !process.isRunning }
        process.waitUntilExit()
        #expect(ContinuousClock.now - secondAt < .seconds(5), "at once, not after the drain")
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 130)
    }

    /// docs/operations.md, "Reload": SIGHUP "re-reads the file, the environment and the flags,
    /// applies `log.level`, and logs a warning naming every other setting that changed". The
    /// file raises the level from warning to notice (so the reload's own notice line shows it
    /// applied), changes one setting that needs a restart (its warning must come), and one that
    /// a flag and one that the environment override (no warning: they did not change).
    @Test func aReloadAppliesTheFilesLevelAndKeepsTheEnvironmentAndTheFlags() async throws {
        let setup = try await DaemonTests.setup()
        defer { withExtendedLifetime(setup) {} }
        let original = try String(contentsOfFile: setup.configPath, encoding: .utf8)
        _ = try TemporaryFile.write(
            original.replacingOccurrences(of: "level: notice", with: "level: warning"), to: setup.configPath)
        let notify = try NotifyListener()
        defer { notify.close() }
        let logPath = TemporaryFile.path("log-")
        #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        let process = try DaemonTests.launch(
            setup, notify: notify, arguments: ["--set", "shutdown.timeout=14s"],
            environment: ["JOBSTATUSD_OPERATION_TIMEOUT": "9s"], log: log)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        _ = try await notify.waitFor("READY=1")

        let changed =
            original
            .replacingOccurrences(of: "heartbeat.interval.ms: 1000", with: "heartbeat.interval.ms: 1500")
            .replacingOccurrences(of: "  timeout: 15s", with: "  timeout: 16s")  // shutdown.timeout
            .replacingOccurrences(of: "  timeout: 10s", with: "  timeout: 11s")  // operation.timeout
        #expect(changed.contains("16s") && changed.contains("11s") && changed.contains("1500"))
        _ = try TemporaryFile.write(changed, to: setup.configPath)
        let reloadAt = ContinuousClock.now
        kill(process.processIdentifier, SIGHUP)
        _ = try await notify.waitFor("RELOADING=1", after: reloadAt)
        _ = try await notify.waitFor("READY=1", after: reloadAt)
        var logged = ""
        try await waitUntil("the reload's log lines", timeout: .seconds(10)) {
            logged = try String(contentsOfFile: logPath, encoding: .utf8)
            return logged.contains("reloaded the configuration") && logged.contains("kafka.heartbeat.interval.ms")
        }
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        #expect(
            logged.contains(
                "kafka.heartbeat.interval.ms changed in the configuration; it takes effect on the next restart"))
        #expect(!logged.contains("shutdown.timeout changed"), "the --set flag still wins: \(logged.suffix(1500))")
        #expect(!logged.contains("operation.timeout changed"), "the environment still wins: \(logged.suffix(1500))")
    }

    /// "READY=1 only after the dedup table is restored from the output topic": the output
    /// already holds 300 jobs, on a broker that answers after 500 ms, so the restore takes
    /// seconds (and systemd's view, sampled every 250 ms, would catch a READY=1 sent before it
    /// ended).
    /// The READY=1 message's own STATUS= must count every restored job.
    @Test(.enabled(if: !TestBroker.isExternal, "a slow broker needs the mock cluster"))
    func readyComesOnlyAfterARestoreThatReadTheOutput() async throws {
        let setup = try await DaemonTests.setup()
        defer { withExtendedLifetime(setup) {} }
        let mock = try #require(setup.broker.mock)
        let suffix = setup.input.dropFirst("in-".count)
        let jobs = 300
        let records = (0..<jobs).map { index in
            let job = "restored-\(index)"
            return KafkaOutgoingMessage(
                topic: setup.output, key: Array(job.utf8),
                value: Array(#"{"job_id":"\#(job)","status":"RUNNING","status_msg":"m"}"#.utf8))
        }
        try await setup.broker.produce(records, ["partitioner": "murmur2_random"])
        // The output on broker 3, made slow; the group and the transactions on broker 1.
        for partition: Int32 in 0..<3 {
            try mock.setPartitionLeader(topic: setup.output, partition: partition, broker: 3)
        }
        try mock.setCoordinator(.group, key: "group-\(suffix)", broker: 1)
        try mock.setCoordinator(.transaction, key: "txn-\(suffix)", broker: 1)
        try mock.setRoundTripTime(broker: 3, .milliseconds(500))

        let notify = try NotifyListener()
        defer { notify.close() }
        // systemd's view sampled every 250 ms (half the watchdog interval).
        let process = try DaemonTests.launch(setup, notify: notify, environment: ["WATCHDOG_USEC": "500000"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        _ = try await notify.waitFor("READY=1", timeout: .seconds(90))
        let ready = try #require(notify.all.first { $0.text.contains("READY=1") })
        #expect(ready.text.contains("STATUS=running: 3 partitions, \(jobs) jobs"), "\(ready.text)")
        #expect(
            notify.all.contains { $0.at < ready.at && $0.text.contains("STATUS=restoring") },
            "the restore was seen before READY=1")
        let (status, record) = try await DaemonTests.http(setup, "/jobs/restored-7")
        #expect(status == 200 && record.contains("restored-7"), "the restored record is served")
        try mock.setRoundTripTime(broker: 3, .zero)
        process.terminate()
        process.waitUntilExit()
    }
}
