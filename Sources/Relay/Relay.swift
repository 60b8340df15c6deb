import Kafka
public import Logging
import Synchronization

/// The relay: consume job-status events, decode them (``RecordClassifier``),
/// deduplicate by job_id (``DedupPolicy``), and publish the canonical form,
/// keyed by job_id, to the compacted output topic, with invalid records to the
/// dead-letter topic, all exactly once (DESIGN.md sections 1 to 3).
///
/// ``run()`` prepares the topics, joins the group, restores the dedup table
/// from the output topic before processing each newly assigned partition,
/// then loops: one Kafka transaction per batch window
/// (``RelayConfiguration/transactionInterval``) holding the outputs, the dead
/// letters and the consumed offsets. ``requestStop()`` drains: the open
/// transaction commits, the consumer leaves the group, ``run()`` returns.
/// A fatal Kafka error makes ``run()`` throw ``RelayError``.
public final class Relay: Sendable {
    /// What the relay was made with.
    public let configuration: RelayConfiguration
    /// Live progress: readiness, counters, heartbeat.
    public let status: RelayStatus
    private let logger: Logger
    /// When the first stop was requested: the drain's deadline counts from it.
    private let stopRequested = Mutex<ContinuousClock.Instant?>(nil)
    private let abandonRequested = Atomic<Bool>(false)

    /// A relay that has not started; ``run()`` does the work. Pass a `status` to read the relay's
    /// progress from elsewhere (the daemon's health endpoints, metrics and systemd notifications).
    public init(configuration: RelayConfiguration, logger: Logger, status: RelayStatus = RelayStatus()) {
        self.configuration = configuration
        self.logger = logger
        self.status = status
    }

    /// Asks ``run()`` to finish the open transaction, leave the group and return, within
    /// ``RelayConfiguration/drainTimeout`` of this call.
    public func requestStop() {
        requestStop(at: .now)
    }

    /// A stop requested at `instant`; only the first request counts (the drain's deadline
    /// counts from it, not from when the loop gets to see it, which may be after a commit).
    func requestStop(at instant: ContinuousClock.Instant) {
        stopRequested.withLock { if $0 == nil { $0 = instant } }
    }

    /// When the first stop was requested; `nil` while none was.
    var stopRequestedAt: ContinuousClock.Instant? { stopRequested.withLock { $0 } }

    var isStopRequested: Bool { stopRequestedAt != nil }

    /// Stops at once *without* committing the open transaction, as a crash would (tests only:
    /// the process-level equivalent is `kill -9`).
    func abandon() {
        abandonRequested.store(true, ordering: .relaxed)
    }

    var isAbandoned: Bool { abandonRequested.load(ordering: .relaxed) }

    /// Runs until ``requestStop()`` (or cancellation), then drains and returns.
    /// - Throws: ``RelayError`` for what the relay cannot go on with (fatal Kafka errors,
    ///   an output topic that is not compacted, ...): the process should exit non-zero.
    public func run() async throws(RelayError) {
        if configuration.inputKeying == .any, configuration.delivery == .atLeastOnce {
            throw RelayError(.other, "input.keying any needs delivery exactly-once")
        }
        let topology = try await TopicPreparation(configuration: configuration, logger: logger).run()
        guard configuration.inputKeying == .any else {
            let loop = try await RelayLoop(
                relay: self, configuration: configuration, topology: topology, status: status, logger: logger)
            try await loop.run()
            return
        }
        try await runStages(topology)
    }

    /// `input.keying: any`: the repartition stage and the relay stage, each a loop with its own
    /// clients and transactions, side by side. When one ends (drained, or failed), the other is
    /// asked to drain too, so a failure still commits the other stage's open transaction; the
    /// first failure is what ``run()`` throws.
    private func runStages(_ topology: TopicTopology) async throws(RelayError) {
        var stageLogger = logger
        stageLogger[metadataKey: "stage"] = "repartition"
        let stages = [
            (
                configuration.repartitionStage, topology.repartitionStage(configuration), status.repartitionStatus(),
                stageLogger
            ),
            (configuration.relayStage, topology.relayStage(configuration), status, logger),
        ]
        let outcome = await withTaskGroup(of: Result<Void, RelayError>.self) { group in
            for (configuration, topology, status, logger) in stages {
                group.addTask {
                    do throws(RelayError) {
                        let loop = try await RelayLoop(
                            relay: self, configuration: configuration, topology: topology, status: status,
                            logger: logger)
                        try await loop.run()
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var first: Result<Void, RelayError> = .success(())
            for await ended in group {
                requestStop()
                if case .failure = ended, case .success = first { first = ended }
            }
            return first
        }
        try outcome.get()
    }
}
