import Foundation
import JobStatus
import Kafka
import Logging
import Relay
import ServiceLifecycle

/// One demo run: producers, relay, a downstream reader of the output, the live view and the summary.
struct DemoSession {
    let mock: MockCluster
    let configuration: DaemonConfiguration
    let jobs: Int
    let rate: Double
    let duration: Duration
    /// Where to serve the monitor's page (`--monitor`), or nil.
    var monitorListen: (host: String, port: Int)?
    let logger: Logger

    func run() async throws -> Bool {
        let status = RelayStatus()
        let observability = ObservabilityServices.bootstrap()
        let relay = Relay(configuration: configuration.relay, logger: logger, status: status)
        let relayTask = Task { try await relay.run() }
        let serving = startServing(status: status, observability: observability)
        // The relay first (topics checked, group joined, restore done), then the producers: the
        // live view shows records flowing through, not a backlog handled in one transaction.
        let readyBy = ContinuousClock.now + .seconds(60)
        while !status.current.isReady, status.current.phase != .failed, ContinuousClock.now < readyBy {
            try await Task.sleep(for: .milliseconds(50))
        }
        let produced = ProducedCount()
        let producer = Task {
            do {
                try await produce(into: produced)
            } catch {
                logger.error("demo producer failed: \(error)")
                produced.finish()
            }
        }
        let reader = OutputTopicReader(
            kafka: configuration.relay.kafka(for: .consumer), topic: configuration.relay.outputTopic, logger: logger)
        let board = try BoardFollower(reader: reader, partitions: try await reader.partitionCount())
        let started = ContinuousClock.now
        let interactive = isatty(STDOUT_FILENO) != 0
        var rate = RateMeter()
        // Live view until the producers are done and the relay has caught up (bounded).
        while true {
            await board.poll()
            let snapshot = status.current
            print(
                view(
                    snapshot, board: board.board, produced: produced.value, elapsed: .now - started,
                    perSecond: rate.observe(snapshot.counters.consumed), interactive: interactive))
            let producersDone = produced.isFinished
            if producersDone && snapshot.counters.consumed >= produced.value { break }
            if ContinuousClock.now - started > duration + .seconds(60) { break }
            try await Task.sleep(for: interactive ? .milliseconds(500) : .seconds(2))
        }
        relay.requestStop()
        let relayResult = await relayTask.result
        await serving?.triggerGracefulShutdown()
        await producer.value
        for _ in 0..<6 { await board.poll() }
        await board.close()  // before the embedded broker goes away with the command
        return summary(
            status.current, board: board.board, produced: produced.value, jobsStarted: produced.jobsStarted,
            relayResult: relayResult)
    }

    /// `/metrics`, `/readyz`, `/jobs/{id}` on `http.listen`, as `run` serves them, and the
    /// monitor's page on `monitorListen`; a port in use costs the demo that server, not its run.
    /// Returns the group to shut down at the end.
    private func startServing(status: RelayStatus, observability: ObservabilityServices) -> ServiceGroup? {
        let logger = logger
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if configuration.httpListen != nil {
            services += observability.services(
                status: status, statistics: KafkaStatistics(), listen: configuration.httpListen, logger: logger)
        }
        if let monitor = monitorListen {
            services += MonitorServices.make(
                kafka: configuration.relay.kafka(for: .consumer), topic: configuration.relay.outputTopic,
                listen: monitor, authorization: nil, logger: logger)
            print("monitor: open http://\(monitor.host):\(monitor.port)/ to watch the jobs in a browser")
        }
        guard !services.isEmpty else { return nil }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [], logger: logger))
        Task {
            do {
                try await group.run()
            } catch {
                logger.warning("demo: a server stopped: \(error)")
            }
        }
        return group
    }

    private func produce(into produced: ProducedCount) async throws {
        var kafka = configuration.relay.kafka(for: .producer)
        kafka["client.id"] = "jobstatusd-demo-events"
        kafka["partitioner"] = "murmur2_random"
        kafka["linger.ms"] = "5"
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        var generator = SyntheticJobs(jobs: jobs, repeats: true)
        let topic = configuration.relay.inputTopics.first ?? "job-status"
        let start = ContinuousClock.now
        let deadline = start + duration
        var sent = 0
        while ContinuousClock.now < deadline, let event = generator.next() {
            try await producer.send(
                KafkaOutgoingMessage(topic: topic, key: Array(event.jobID.utf8), value: event.value))
            sent += 1
            produced.set(sent, jobsStarted: generator.started)
            // Pace to --rate: sleep when ahead of schedule.
            let due = start + .milliseconds(Int64(Double(sent) * 1000 / rate))
            if due > .now { try await Task.sleep(until: due) }
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close()
        produced.finish()
    }

    private func view(
        _ snapshot: RelaySnapshot, board: JobBoard, produced: Int, elapsed: Duration, perSecond: Double,
        interactive: Bool
    )
        -> String
    {
        let counters = snapshot.counters
        let seconds = max(elapsed.seconds, 0.001)
        let perStatus = board.counts().map { "\($0.0) \($0.1)" }.joined(separator: "  ")
        let dropped = DropReason.all.map { "\($0.code) \(counters.dropped[$0, default: 0])" }.joined(separator: ", ")
        let lines = [
            "jobstatusd demo  \(String(format: "%.0f", seconds))s  relay: \(snapshot.statusLine)",
            "  produced \(produced)   consumed \(counters.consumed) (now \(String(format: "%.0f", perSecond))/s)",
            "  published \(counters.published)   dropped: \(dropped)   dead-lettered \(counters.deadLettered)",
            "  commits \(snapshot.transactionsCommitted) (last took \(Self.milliseconds(snapshot.lastCommitDuration)))"
                + "   end-to-end latency \(Self.milliseconds(snapshot.lastEndToEndLatency))"
                + (configuration.httpListen.map { "   http://\($0.host):\($0.port)/metrics" } ?? ""),
            "  jobs in the compacted topic (\(board.latest.count)): \(perStatus)"
                + (configuration.relay.finishedRetention == nil
                    ? "" : "   finished and tombstoned \(counters.finishedTombstones)"),
        ]
        return (interactive ? "\u{1B}[H\u{1B}[2J" : "") + lines.joined(separator: "\n")
    }

    private func summary(
        _ snapshot: RelaySnapshot, board: JobBoard, produced: Int, jobsStarted: Int,
        relayResult: Result<Void, any Error>
    ) -> Bool {
        let counters = snapshot.counters
        var checks: [(String, Bool)] = [
            ("relay drained cleanly", (try? relayResult.get()) != nil),
            ("every produced record consumed (\(counters.consumed) of \(produced))", counters.consumed == produced),
            (
                "every record accounted for: published \(counters.published) + dropped \(counters.droppedTotal) + dead-lettered \(counters.deadLettered) + input tombstones \(counters.tombstones) = \(counters.consumed)",
                counters.isBalanced
            ),
        ]
        checks.append(
            (
                "the compacted topic shows \(board.latest.count) jobs of \(jobsStarted) started, one latest record each",
                board.latest.count <= jobsStarted
            )
        )
        if let retention = configuration.relay.finishedRetention {
            checks.append(
                (
                    "finished jobs tombstoned after \(retention) (output.finished-retention): "
                        + "\(counters.finishedTombstones), none of them back in the topic",
                    counters.finishedTombstones > 0
                        && board.latest.count + counters.finishedTombstones <= jobsStarted
                )
            )
        }
        print("\n== summary ==")
        for (text, ok) in checks { print("  [\(ok ? "ok" : "FAILED")] \(text)") }
        print(
            "  dropped by reason: "
                + DropReason.all.map { "\($0.code)=\(counters.dropped[$0, default: 0])" }.joined(separator: " "))
        print(
            "  invalid by reason: "
                + counters.invalid.map { "\($0.key.code)=\($0.value)" }.sorted().joined(separator: " "))
        print("  transactions: \(snapshot.transactionsCommitted) committed, \(snapshot.transactionsAborted) aborted")
        let ok = checks.allSatisfy(\.1)
        print(ok ? "demo OK: every input record is accounted for" : "demo FAILED")
        return ok
    }
}

extension DemoSession {
    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f ms", duration.seconds * 1000)
    }
}
