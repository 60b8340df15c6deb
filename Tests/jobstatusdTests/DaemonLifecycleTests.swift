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
}
