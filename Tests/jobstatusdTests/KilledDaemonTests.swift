import Foundation
import Kafka
import TestSupport
import Testing

/// The real `jobstatusd` binary killed with SIGKILL while records flow, then run again: the
/// crash the delivery promise is about, not a simulated one (`RunningRelay.abandon()` still
/// leaves the group and flushes the producer). The broker is the mock cluster hosted by this
/// test process, so it outlives the daemon; the daemon reaches it over TCP.
@Suite("jobstatusd killed", .timeLimit(.minutes(4)))
struct KilledDaemonTests {
    /// The sum of every series of `name` in a Prometheus text exposition, or nil when there is none.
    static func value(of name: String, in metrics: String) -> Double? {
        let series = metrics.split(separator: "\n").filter {
            $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{")
        }
        guard !series.isEmpty else { return nil }
        return series.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    static func metrics(_ setup: DaemonTests.Setup) async -> String {
        (try? await DaemonTests.http(setup, "/metrics").1) ?? ""
    }

    @Test func aSIGKILLMidTransactionLosesNothingAndWritesNothingTwice() async throws {
        let setup = try await DaemonTests.setup()
        defer { withExtendedLifetime(setup) {} }
        let jobs = 1500
        let events = DaemonTests.events(jobs: jobs, prefix: "killed")
        let stall = "/nonexistent/\(UUID())"

        let notify = try NotifyListener()
        defer { notify.close() }
        let first = try DaemonTests.launch(setup, notify: notify, stallFile: stall)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        _ = try await notify.waitFor("READY=1")
        // Produced over about 4 s, so that the kill lands while input flows.
        async let produced: Void = {
            for chunk in stride(from: 0, to: events.count, by: 300) {
                try await DaemonTests.produce(Array(events[chunk..<min(chunk + 300, events.count)]), to: setup)
                try await Task.sleep(for: .milliseconds(200))
            }
        }()
        // Killed after its first commit, while input flows: a transaction is open, with records
        // sent and input offsets not yet committed.
        try await waitUntil("the first run's first commit") {
            (Self.value(of: "jobstatusd_transactions_committed_total", in: await Self.metrics(setup)) ?? 0) >= 1
        }
        let consumedBeforeKill =
            Self.value(of: "jobstatusd_consumed_total", in: await Self.metrics(setup)) ?? 0
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal && first.terminationStatus == SIGKILL)
        #expect(consumedBeforeKill < Double(events.count), "killed mid-stream, not after it")
        try await produced

        let secondNotify = try NotifyListener()
        defer { secondNotify.close() }
        let second = try DaemonTests.launch(setup, notify: secondNotify, stallFile: stall)
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        _ = try await secondNotify.waitFor("READY=1")
        // Done when the output holds every transition and every input partition's lag is 0 (a
        // series per partition): then the drain commits what is open. Copies would show as more.
        try await waitUntil("the second run caught up", interval: .milliseconds(500)) {
            let metrics = await Self.metrics(setup)
            let lags = metrics.split(separator: "\n").filter { $0.hasPrefix("jobstatusd_consumer_lag{") }
            guard lags.count == 3, Self.value(of: "jobstatusd_consumer_lag", in: metrics) == 0 else { return false }
            return try await setup.broker.readToEnd(setup.output).count >= jobs * 3
        }
        let restored = Self.value(of: "jobstatusd_restored_records", in: await Self.metrics(setup)) ?? 0
        second.terminate()
        second.waitUntilExit()
        #expect(second.terminationReason == .exit && second.terminationStatus == 0)
        #expect(restored > 0, "the second run restored what the first had written")

        let records = try await setup.broker.readToEnd(setup.output)
        var perJob: [String: [String]] = [:]
        for record in records {
            let job = String(decoding: record.key ?? [], as: UTF8.self)
            let value = String(decoding: record.value ?? [], as: UTF8.self)
            perJob[job, default: []].append(value)
        }
        let expected = ["QUEUED", "RUNNING", "DONE"]
        let wrong = perJob.filter { job, values in
            values != expected.map { #"{"job_id":"\#(job)","status":"\#($0)","status_msg":"m"}"# }
        }
        #expect(perJob.count == jobs, "every job in the output")
        #expect(wrong.isEmpty, "each job's transitions exactly once, in order: \(wrong.prefix(3))")
        #expect(records.count == jobs * expected.count)
        let letters = try await setup.broker.readToEnd(setup.dlq)
        #expect(letters.count == 1, "the one invalid record dead-lettered exactly once")
    }
}
