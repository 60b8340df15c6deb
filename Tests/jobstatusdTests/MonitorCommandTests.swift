import Foundation
import Kafka
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `jobstatusd monitor` as a downstream team runs it: the real binary against a broker (the mock
/// cluster in this process, over TCP), its JSON API, its event stream and its access rules.
@Suite("jobstatusd monitor", .timeLimit(.minutes(3)))
struct MonitorCommandTests {
    struct Setup {
        let broker: TestBroker
        let output: String
        let port: Int

        var flags: [String] {
            [
                "--listen", "127.0.0.1:\(port)", "--set", "kafka.bootstrap.servers=\(broker.bootstrapServers)",
                "--set", "output.topic=\(output)",
            ]
        }
    }

    static func setup() async throws -> Setup {
        let broker = try TestBroker.start(label: "monitor-test")
        let output = TestBroker.uniqueName("latest")
        try await broker.createTopic(output, partitions: 3)
        return Setup(broker: broker, output: output, port: try DaemonTests.freePort())
    }

    static func record(_ job: String, _ status: String, _ message: String = "m", backend: String = "ibm_a") -> [UInt8] {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return Array(
            #"{"backend":"\#(backend)","job_id":"\#(job)","status":"\#(status)","status_msg":"\#(escaped)"}"#.utf8)
    }

    static func produce(_ setup: Setup, _ records: [(String, [UInt8]?)]) async throws {
        let messages = records.map { KafkaOutgoingMessage(topic: setup.output, key: Array($0.0.utf8), value: $0.1) }
        try await setup.broker.produce(messages, ["partitioner": "murmur2_random"])
    }

    static func launch(_ setup: Setup, extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = try JobStatusBinary.binary
        process.arguments = ["monitor"] + setup.flags + extra
        process.environment = JobStatusBinary.cleanEnvironment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func json(_ http: LocalHTTP, _ path: String) async throws -> [String: Any] {
        let (status, body) = try await http.get(path)
        guard status == 200, let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        else { throw TestFailure("GET \(path): \(status) \(body.prefix(500))") }
        return object
    }

    static func ids(_ page: [String: Any]) -> [String] {
        (page["jobs"] as? [[String: Any]] ?? []).compactMap { $0["job_id"] as? String }
    }

    @Test func theAPIServesTheTopicFiltersPagesAndFollowsIt() async throws {
        let setup = try await Self.setup()
        defer { withExtendedLifetime(setup) {} }
        var records: [(String, [UInt8]?)] = []
        for index in 0..<30 {
            let job = "job-\(index)"
            records.append((job, Self.record(job, "QUEUED", backend: index % 2 == 0 ? "ibm_a" : "ibm_b")))
            if index < 10 {
                records.append((job, Self.record(job, "DONE", backend: index % 2 == 0 ? "ibm_a" : "ibm_b")))
            }
        }
        records.append(("job-29", nil))  // a tombstone: the job left the topic
        let hostile = #"<img src=x onerror="alert(1)"><script>alert(2)</script>"#
        records.append(("evil", Self.record("evil", "RUNNING", hostile)))
        try await Self.produce(setup, records)

        let process = try Self.launch(setup)
        defer { process.terminate() }
        let http = LocalHTTP(port: setup.port)
        try await http.waitUntilReady()

        let summary = try await Self.json(http, "/api/summary")
        #expect(summary["jobs"] as? Int == 30, "29 jobs and evil: \(summary)")
        let byStatus = (summary["by_status"] as? [[String: Any]] ?? []).map { "\($0["status"]!)=\($0["jobs"]!)" }
        #expect(byStatus == ["QUEUED=19", "RUNNING=1", "DONE=10"])
        #expect((summary["feed"] as? [String: Any])?["loaded"] as? Bool == true)

        // Paging, most recently changed first, every job once.
        var seen: [String] = []
        var after: String?
        repeat {
            let page = try await Self.json(http, "/api/jobs?limit=7" + (after.map { "&after=\($0)" } ?? ""))
            seen += Self.ids(page)
            after = page["next"] as? String
        } while after != nil
        #expect(seen.count == 30 && Set(seen).count == 30)
        #expect(!seen.contains("job-29"))

        let done = Self.ids(try await Self.json(http, "/api/jobs?status=DONE&limit=100"))
        #expect(Set(done) == Set((0..<10).map { "job-\($0)" }))
        let doneOnB = Self.ids(try await Self.json(http, "/api/jobs?status=DONE&backend=ibm_b"))
        #expect(Set(doneOnB) == Set([1, 3, 5, 7, 9].map { "job-\($0)" }))
        let prefixed = Self.ids(try await Self.json(http, "/api/jobs?q=job-2"))
        #expect(Set(prefixed) == Set(["job-2"] + (20...28).map { "job-\($0)" }))

        // A job in full: the record as the topic holds it, and the transitions seen (none yet:
        // the first read is the topic's history, read as each job's latest record).
        let detail = try await Self.json(http, "/api/jobs/evil")
        let record = try #require(detail["record"] as? [String: Any])
        #expect(record["status_msg"] as? String == hostile, "the record's text unchanged")
        let firstJob = try await Self.json(http, "/api/jobs/job-3")
        #expect((firstJob["job"] as? [String: Any])?["status"] as? String == "DONE")
        #expect((firstJob["transitions"] as? [Any])?.isEmpty == true, "\(firstJob)")
        #expect(try await http.get("/api/jobs/job-29").status == 404)
        #expect(try await http.get("/api/jobs?after=nope").status == 400)

        // Live: a new record and a tombstone arrive as events, and the index follows them.
        let lastEventID = try #require(summary["last_event_id"] as? String)
        let stream = try EventStreamClient(
            port: setup.port, path: "/api/events", headers: ["Last-Event-ID": lastEventID])
        try await stream.read(until: "the feed event") { $0.contains("event: feed") }
        try await Self.produce(setup, [("job-0", nil), ("new-1", Self.record("new-1", "RUNNING"))])
        try await stream.read(until: "both transitions") { _ in stream.events("transition").count >= 2 }
        let live = stream.events("transition")
        #expect(live.first?["job_id"] as? String == "job-0" && live.first?["removed"] as? Bool == true)
        #expect(live.last?["job_id"] as? String == "new-1" && live.last?["status"] as? String == "RUNNING")
        #expect(!stream.text.contains("event: reset"), "a resume from this run's last id needs no reload")
        #expect(Self.ids(try await Self.json(http, "/api/jobs?limit=1")) == ["new-1"])
        let newJob = try await Self.json(http, "/api/jobs/new-1")
        let transitions = (newJob["transitions"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
        #expect(transitions == ["RUNNING"], "a live change is a transition seen")

        // A client that comes back gets what it missed; one from another run is told to reload.
        let resumed = try EventStreamClient(
            port: setup.port, path: "/api/events", headers: ["Last-Event-ID": lastEventID])
        try await resumed.read(until: "the backlog") { _ in resumed.events("transition").count >= 2 }
        #expect(resumed.events("transition").compactMap { $0["job_id"] as? String } == ["job-0", "new-1"])
        let stranger = try EventStreamClient(
            port: setup.port, path: "/api/events", headers: ["Last-Event-ID": "otherrun-5"])
        try await stranger.read(until: "a reset") { $0.contains("event: reset") }
        // The reset moves the client's Last-Event-ID to this run, after the two live transitions:
        // its next reconnect resumes from what the reload shows.
        let parts = lastEventID.split(separator: "-")
        let (run, last) = (try #require(parts.first), try #require(parts.last.flatMap { UInt64($0) }))
        #expect(stranger.text.contains("id: \(run)-\(last + 2)\nevent: reset"), "\(stranger.text)")

        let metrics = try await http.get("/metrics").body
        #expect(metrics.contains("jobstatusd_monitor_jobs 30"), "\(metrics.prefix(1500))")
        #expect(metrics.contains("jobstatusd_monitor_loaded 1"))
        let firstRead = metrics.split(separator: "\n").first { $0.hasPrefix("jobstatusd_monitor_first_read_seconds ") }
        #expect(firstRead.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 > 0 } == true)

        // SIGTERM with event streams open: the streams end and the monitor exits 0 (the server
        // waits for its responses, so the feed must end them first).
        process.terminate()
        try await waitUntil("the monitor exits after SIGTERM", timeout: .seconds(30)) { !process.isRunning }
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// job_ids hold anything: the detail takes the id percent-encoded, and filters take spaces.
    @Test func idsAndFiltersWithAnyCharacters() async throws {
        let setup = try await Self.setup()
        defer { withExtendedLifetime(setup) {} }
        let ids = ["a b", "p/q", "x:1", "ü-1", "plus+1", "semi;colon?"]
        try await Self.produce(setup, ids.map { ($0, Self.record($0, "RUNNING", backend: "ibm a")) })
        let process = try Self.launch(setup)
        defer { process.terminate() }
        let http = LocalHTTP(port: setup.port)
        try await http.waitUntilReady()
        for id in ids {
            let encoded = try #require(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let detail = try await Self.json(http, "/api/jobs/\(encoded)")
            #expect((detail["job"] as? [String: Any])?["job_id"] as? String == id)
        }
        #expect(Self.ids(try await Self.json(http, "/api/jobs?q=a%20b")) == ["a b"])
        #expect(Self.ids(try await Self.json(http, "/api/jobs?q=plus%2B")) == ["plus+1"])
        #expect(Set(Self.ids(try await Self.json(http, "/api/jobs?backend=ibm%20a"))) == Set(ids))
    }

    @Test func beyondLoopbackItNeedsATokenAndChecksIt() async throws {
        let setup = try await Self.setup()
        defer { withExtendedLifetime(setup) {} }
        let refused = try JobStatusBinary.run(
            ["monitor", "--listen", "0.0.0.0:\(setup.port)", "--set", "kafka.bootstrap.servers=127.0.0.1:1"],
            environment: JobStatusBinary.cleanEnvironment)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("--listen") && refused.stderr.contains("--token-file"))

        let token = "t-\(UUID().uuidString)"
        let tokenFile = try TemporaryFile.write(token + "\n", to: TemporaryFile.path("token-"))
        let process = try Self.launch(setup, extra: ["--token-file", tokenFile])
        defer { process.terminate() }
        let http = LocalHTTP(port: setup.port)
        try await http.waitUntilReady()  // probes stay open
        // URLSession on Linux waits forever on a 401 that asks for basic auth: a plain socket.
        func status(_ path: String, _ authorization: String? = nil) async throws -> String {
            let client = try EventStreamClient(
                port: setup.port, path: path, headers: authorization.map { ["Authorization": $0] } ?? [:])
            try await client.read(until: "the status line") { $0.contains("\r\n") }
            return client.text.components(separatedBy: "\r\n").first ?? ""
        }
        #expect(try await status("/api/summary") == "HTTP/1.1 401 Unauthorized")
        #expect(try await status("/") == "HTTP/1.1 401 Unauthorized")
        #expect(try await status("/api/events") == "HTTP/1.1 401 Unauthorized")
        #expect(try await status("/api/summary", "Bearer \(token)") == "HTTP/1.1 200 OK")
        let basic = "Basic \(Data("anyone:\(token)".utf8).base64EncodedString())"
        #expect(try await status("/", basic) == "HTTP/1.1 200 OK")
        #expect(try await status("/api/summary", "Bearer wrong") == "HTTP/1.1 401 Unauthorized")
        #expect(
            try await status("/api/summary", "Basic \(Data("anyone:wrong".utf8).base64EncodedString())")
                == "HTTP/1.1 401 Unauthorized")
    }
}
