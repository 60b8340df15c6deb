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
}
