import Foundation
import JobStatus
import Kafka
import Relay
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The daemon as an operator runs it: the real binary, a real broker (the mock
/// cluster hosted by this test process, reached over TCP), a notification socket
/// standing in for systemd, the HTTP endpoints, SIGTERM.
@Suite("jobstatusd run", .timeLimit(.minutes(4)), .serialized)
struct DaemonTests {
    struct Setup {
        let broker: TestBroker
        let input: String
        let output: String
        let dlq: String
        let port: Int
        let configPath: String

        var kafkaFlags: [String] {
            ["--set", "kafka.bootstrap.servers=\(broker.bootstrapServers)", "--set", "output.topic=\(output)"]
        }
    }

    static func setup() async throws -> Setup {
        let broker = try TestBroker.start(label: "daemon-test")
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let (input, output, dlq) = ("in-\(suffix)", "out-\(suffix)", "dlq-\(suffix)")
        for topic in [input, output, dlq] { try await broker.createTopic(topic, partitions: 3) }
        let port = try freePort()
        let yaml = """
            kafka:
              bootstrap.servers: "\(broker.bootstrapServers)"
              session.timeout.ms: 6000
              heartbeat.interval.ms: 1000
            input:
              topics: [\(input)]
              group: group-\(suffix)
            output:
              topic: \(output)
              replication: 1
            dlq:
              topic: \(dlq)
            transaction:
              id: txn-\(suffix)
            http:
              listen: "127.0.0.1:\(port)"
            shutdown:
              timeout: 15s
            operation:
              timeout: 10s
            log:
              level: notice
            """
        let path = try TemporaryFile.write(yaml, to: TemporaryFile.directory + "/jsd-\(suffix).yaml")
        return Setup(broker: broker, input: input, output: output, dlq: dlq, port: port, configPath: path)
    }

    static func events(jobs: Int, prefix: String) -> [(String, [UInt8])] {
        var events: [(String, [UInt8])] = []
        for index in 0..<jobs {
            let job = "\(prefix)-\(index)"
            for status in ["QUEUED", "RUNNING", "RUNNING", "DONE"] {  // the second RUNNING is a duplicate
                events.append(
                    (job, Array("{\"job_id\":\"\(job)\",\"status\":\"\(status)\",\"status_msg\":\"m\"}".utf8)))
            }
        }
        events.append(("bad", Array("not json".utf8)))
        return events
    }

    static func produce(_ events: [(String, [UInt8])], to setup: Setup) async throws {
        let messages = events.map { KafkaOutgoingMessage(topic: setup.input, key: Array($0.0.utf8), value: $0.1) }
        try await setup.broker.produce(messages, ["partitioner": "murmur2_random", "linger.ms": "2"])
    }

    static func http(_ setup: Setup, _ path: String) async throws -> (Int, String) {
        try await LocalHTTP(port: setup.port).get(path)
    }

    /// Starts `jobstatusd run` on `setup`'s configuration with `arguments` after it, `environment`
    /// on top of a clean one, and its stderr (the log) into `log` when given.
    static func launch(
        _ setup: Setup, notify: NotifyListener, stallFile: String = "/nonexistent/stall",
        arguments: [String] = [], environment extra: [String: String] = [:], log: FileHandle? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = try JobStatusBinary.binary
        process.arguments = ["run", "--config", setup.configPath] + arguments
        var environment = JobStatusBinary.cleanEnvironment
        environment["NOTIFY_SOCKET"] = notify.name
        environment["WATCHDOG_USEC"] = "2000000"
        environment["JSD_DEBUG_STALL_FILE"] = stallFile
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        if let log { process.standardError = log }
        try process.run()
        return process
    }

    @Test func readyWatchdogHTTPAndADrainingSIGTERM() async throws {
        let setup = try await Self.setup()
        defer { withExtendedLifetime(setup) {} }
        let notify = try NotifyListener()
        defer { notify.close() }
        let stallFile = TemporaryFile.path("stall-")
        let process = try Self.launch(setup, notify: notify, stallFile: stallFile)
        defer { if process.isRunning { process.terminate() } }

        // READY=1 only once restore is done and the relay runs.
        _ = try await notify.waitFor("READY=1")
        let ready = try #require(notify.all.first { $0.text.contains("READY=1") })
        #expect(ready.text.contains("STATUS=running"), "\(ready.text)")
        #expect(try await Self.http(setup, "/readyz").0 == 200)
        #expect(try await Self.http(setup, "/healthz").0 == 200)

        let events = Self.events(jobs: 200, prefix: "job")
        try await Self.produce(events, to: setup)
        let deadline = ContinuousClock.now + .seconds(60)
        var metrics = ""
        // /metrics is refreshed once a second, and the lag once a second in the relay loop: the
        // counters can arrive one refresh before the first lag series does.
        while ContinuousClock.now < deadline {
            metrics = try await Self.http(setup, "/metrics").1
            let consumed = metrics.contains("jobstatusd_consumed_total \(events.count)")
            if consumed, metrics.contains("jobstatusd_consumer_lag{") { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(metrics.contains("jobstatusd_consumed_total \(events.count)"), "\(metrics.prefix(2000))")
        #expect(metrics.contains("jobstatusd_published_total 600"))
        #expect(metrics.contains("jobstatusd_dropped_total{reason=\"duplicate\"} 200"))
        #expect(metrics.contains("jobstatusd_dead_lettered_total 1"))
        #expect(metrics.contains("jobstatusd_jobs_tracked 200"))
        #expect(metrics.contains("jobstatusd_build_info{"), "the build and librdkafka versions as labels")
        #expect(metrics.contains("jobstatusd_transaction_commit_seconds_bucket{le="), "a histogram, not a last value")
        #expect(metrics.contains("jobstatusd_end_to_end_latency_seconds_count "))
        #expect(metrics.contains("jobstatusd_restore_seconds_sum "))
        #expect(metrics.contains("process_resident_memory_bytes ") && metrics.contains("process_open_fds "))
        #expect(metrics.contains("jobstatusd_consumer_lag{"))
        let typed = metrics.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map {
            $0.split(separator: " ")[2]
        }
        let helped = Set(
            metrics.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(
            !typed.isEmpty && typed.allSatisfy(helped.contains),
            "every metric has # HELP: \(typed.filter { !helped.contains($0) })")
        let (status, record) = try await Self.http(setup, "/jobs/job-7")
        #expect(status == 200)
        #expect(record == #"{"job_id":"job-7","status":"DONE","status_msg":"m"}"#)
        #expect(try await Self.http(setup, "/jobs/nope").0 == 404)

        // WATCHDOG=1 flows while healthy, stops while the loop is stuck, resumes after. Each step
        // waits on what systemd would see, bounded generously, never on a fixed sleep.
        _ = try await notify.waitFor("WATCHDOG=1", after: .now)
        #expect(FileManager.default.createFile(atPath: stallFile, contents: nil))
        let stalledAt = ContinuousClock.now
        // WATCHDOG_USEC is 2 s: a gap that long is what makes systemd fire.
        let silentSince = try await notify.waitForSilence(of: "WATCHDOG=1", lasting: .seconds(2), after: stalledAt)
        let resumed = ContinuousClock.now
        try FileManager.default.removeItem(atPath: stallFile)
        #expect(notify.count("WATCHDOG=1", after: silentSince) == 0, "a stuck loop must let the watchdog fire")
        _ = try await notify.waitFor("WATCHDOG=1", after: resumed)  // petting resumes with progress

        // SIGHUP reloads (RELOADING=1, then READY=1) instead of killing the process.
        let reloadAt = ContinuousClock.now
        kill(process.processIdentifier, SIGHUP)
        _ = try await notify.waitFor("RELOADING=1", after: reloadAt)
        _ = try await notify.waitFor("READY=1", after: reloadAt)
        #expect(process.isRunning, "SIGHUP must not end the daemon")
        #expect(try await Self.http(setup, "/readyz").0 == 200)

        // SIGTERM: STOPPING=1, drain, exit 0.
        process.terminate()
        _ = try await notify.waitFor("STOPPING=1", timeout: .seconds(20))
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)

        // A downstream monitor's view: get and watch against the output.
        let get = try JobStatusBinary.run(
            ["get", "job-42"] + setup.kafkaFlags, environment: JobStatusBinary.cleanEnvironment)
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stdout == #"{"job_id":"job-42","status":"DONE","status_msg":"m"}"# + "\n")
        let missing = try JobStatusBinary.run(
            ["get", "no-such-job"] + setup.kafkaFlags, environment: JobStatusBinary.cleanEnvironment)
        #expect(missing.status == 1)
        let watch = try JobStatusBinary.run(
            ["watch", "--json", "--seconds", "3"] + setup.kafkaFlags, environment: JobStatusBinary.cleanEnvironment)
        #expect(watch.status == 0, "\(watch.stderr)")
        let lines = watch.stdout.split(separator: "\n")
        #expect(lines.count == 600, "every published transition, as JSON lines")
        #expect(lines.allSatisfy { (try? JobStatus.decode(Array($0.utf8))) != nil })
    }

    @Test func sigtermDuringABusyRunLosesNothing() async throws {
        let setup = try await Self.setup()
        defer { withExtendedLifetime(setup) {} }
        let notify = try NotifyListener()
        defer { notify.close() }
        let events = Self.events(jobs: 1500, prefix: "busy")
        let stall = "/nonexistent/\(UUID())"
        let first = try Self.launch(setup, notify: notify, stallFile: stall)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }  // a failed wait leaves it running
        _ = try await notify.waitFor("READY=1")
        async let produced: Void = Self.produce(events, to: setup)
        // The counter's series exists at 0 from the first refresh: wait for its value.
        try await waitUntil("the first commit", timeout: .seconds(60), interval: .milliseconds(100)) {
            let metrics = try await Self.http(setup, "/metrics").1
            return MetricsTests.total("jobstatusd_transactions_committed_total", in: metrics) >= 1
        }
        first.terminate()  // in the middle of the stream: after its first commit, while input flows
        first.waitUntilExit()
        #expect(first.terminationStatus == 0, "drained and exited 0 while busy")
        try await produced

        // A second run finishes the stream; the output must hold every transition exactly once.
        let secondNotify = try NotifyListener()
        defer { secondNotify.close() }
        let second = try Self.launch(setup, notify: secondNotify, stallFile: stall)
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        _ = try await secondNotify.waitFor("READY=1")
        let expected = 1500 * 3
        let secondDeadline = ContinuousClock.now + .seconds(90)
        var records: [KafkaMessage] = []
        while ContinuousClock.now < secondDeadline {
            records = try await setup.broker.readToEnd(setup.output)
            if records.count >= expected { break }
            try await Task.sleep(for: .seconds(1))
        }
        second.terminate()
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        let transitions = records.map {
            "\(String(decoding: $0.key ?? [], as: UTF8.self)):\(String(decoding: $0.value ?? [], as: UTF8.self))"
        }
        #expect(transitions.count == expected, "nothing lost, nothing twice")
        #expect(Set(transitions).count == transitions.count)
    }

    /// A port nothing listens on now (the kernel's pick), for the daemon's HTTP server.
    static func freePort() throws -> Int {
        let (descriptor, port) = try LoopbackSocket.bound()
        close(descriptor)
        return port
    }

    /// Exit 3 for topics an operator must fix (the unit does not restart it), with the key to change.
    @Test func aMissingOutputTopicThatMayNotBeCreatedExitsThree() async throws {
        let broker = try TestBroker.start(label: "daemon-test")
        let input = TestBroker.uniqueName("in")
        try await broker.createTopic(input, partitions: 2)
        let path = try TemporaryFile.write(
            """
            kafka:
              bootstrap.servers: "\(broker.bootstrapServers)"
            input:
              topics: [\(input)]
            output:
              topic: \(TestBroker.uniqueName("absent"))
              create: false
            http:
              listen: ""
            """)
        let run = try JobStatusBinary.run(["run", "--config", path], environment: JobStatusBinary.cleanEnvironment)
        #expect(run.status == 3, "\(run.stderr.suffix(1500))")
        #expect(run.stderr.contains("output.create"))
    }

    /// The demo: relay ready before the producers, lifecycles for the whole duration, the
    /// summary's invariants, no warnings, run's HTTP endpoints and the monitor's page while it runs.
    @Test func demoRunsAndProvesItsInvariants() async throws {
        let port = try Self.freePort()
        let monitorPort = try Self.freePort()
        let demo = Task.detached {
            try JobStatusBinary.run(
                [
                    "demo", "--duration", "10", "--jobs", "40", "--rate", "200", "--set",
                    "http.listen=127.0.0.1:\(port)", "--monitor", "127.0.0.1:\(monitorPort)",
                ], environment: JobStatusBinary.cleanEnvironment)
        }
        let http = LocalHTTP(port: port)
        let base = http.base
        try await http.waitUntilReady()
        let metrics = try await http.get("/metrics").body
        #expect(metrics.contains("jobstatusd_ready 1"), "\(metrics.prefix(500))")
        // The monitor beside it: its page, and jobs moving in its API.
        let monitor = LocalHTTP(port: monitorPort)
        #expect(try await monitor.get("/").body.contains("<title>jobstatusd monitor</title>"))
        try await waitUntil("the monitor sees jobs", interval: .milliseconds(200)) {
            (try? await monitor.get("/api/summary").body).map { !$0.hasPrefix(#"{"jobs":0,"#) } ?? false
        }

        let run = try await demo.value
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("demo OK: every input record is accounted for"), "\(run.stdout.suffix(1500))")
        #expect(!run.stdout.contains("FAILED"))
        #expect(run.stdout.contains("\(base)/metrics"), "the live view names the endpoint")
        #expect(run.stdout.contains("http://127.0.0.1:\(monitorPort)/"), "the demo prints the monitor's address")
        let started = run.stdout.matches(of: /of (\d+) started/).first.flatMap { Int($0.output.1) } ?? 0
        #expect(started > 40, "new lifecycles keep arriving for the whole duration (\(started) jobs started)")
        let warnings = run.stderr.split(separator: "\n").filter { $0.contains(" warning ") || $0.contains("CONFWARN") }
        #expect(warnings.isEmpty, "the demo starts without a warning: \(warnings.prefix(3))")
    }

    /// Issue 15: the demo shows finished jobs leaving the compacted topic.
    @Test func theDemoShowsFinishedJobsLeaving() throws {
        let run = try JobStatusBinary.run(
            ["demo", "--duration", "8", "--jobs", "40", "--rate", "200", "--finished-retention", "1", "--monitor", ""],
            environment: JobStatusBinary.cleanEnvironment)
        #expect(run.status == 0, "\(run.stdout.suffix(1500))\(run.stderr.suffix(1500))")
        #expect(run.stdout.contains("[ok] finished jobs tombstoned after 1.0 seconds"), "\(run.stdout.suffix(1500))")
        #expect(run.stdout.contains("finished and tombstoned "), "the live view counts them")
    }
}
