import Foundation
import JobStatus
import Kafka
import Logging

/// One run of the relay: owns the clients and the loop's mutable state, all
/// confined to the task that calls ``run()``. The decisions are
/// ``RelayStateMachine``'s; this type performs them. Its parts:
/// records (`RelayLoop+Records.swift`), commit and abort (`+Transaction`),
/// rebalance and restore (`+Restore`), client settings (`RelayClientSettings`).
final class RelayLoop {
    let relay: Relay
    let configuration: RelayConfiguration
    /// Where this loop reports: the relay's status, or for the repartition stage its part of it.
    let status: RelayStatus
    let topology: TopicTopology
    let logger: Logger
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let restorer: PartitionEndReader
    let classifier: RecordClassifier
    var machine: RelayStateMachine
    var table: DedupTable
    /// Input records whose effect is already in the output or the DLQ (replays of them are skipped).
    var handled = HandledRecords()
    /// `input.keying: any`, the relay stage: repartition records that copy handled input records.
    var origins = OriginWatermarks()
    /// The input partitions this member owns, and what follows from them.
    var ownership: PartitionOwnership
    var committedCounters = RelayCounters()
    /// Each input topic's index in `input.topics` (how the table records a source compactly).
    let inputTopicIndex: [String: Int16]
    /// ``topicIndex(of:)``'s last answer.
    var lastTopicIndex: (topic: String, index: Int16)?
    /// The producer's `message.max.bytes`: output records beyond it are dead-lettered.
    let sizeLimit: OutputSizeLimit
    /// The published records' source headers, with each topic's and partition's bytes made once.
    var sourceHeaders = SourceHeaders()
    /// The published records' keys, in one buffer rewritten for each.
    var outputKey = OutputKeyBuffer()
    let metrics = RelayMetrics()
    /// When ``updateLag(now:)`` next looks at the watermarks.
    var lagTracker = LagTracker()
    /// Output record timestamps and retention (`RelayLoop+Retention.swift`).
    let clock = AnchoredClock()
    /// When the table is next scanned for jobs past `output.finished-retention` (`nil`: off).
    var sweep: RetentionSweep?
    /// Exactly-once, the commit that runs while the loop goes on with the next batches.
    var commitInFlight: CommitInFlight?
    /// The partitions rewound since the last poll was started (records it read of them are dropped).
    var rewound: Set<TopicPartition> = []
    /// The next poll, started as a batch arrives (`RelayLoop+PollAhead.swift`).
    var pollAhead: Task<(KafkaConsumerEvent, DecodingBatch?), Never>?
    /// The decoding ``pollAhead`` started for the batch it returned, until that batch is judged.
    var predecoded: DecodingBatch?
    /// The most records one poll returns.
    static let pollBatchSize = 1000
    /// How long the producer's thread lets delivery reports gather once it served some
    /// (``KafkaProducer/init(configuration:logger:statisticsHandler:deliveryReportPause:)``):
    /// at-least-once waits for them before a commit, so a few milliseconds at most.
    static let deliveryReportPause = Duration.milliseconds(2)

    var isExactlyOnce: Bool { configuration.delivery == .exactlyOnce }

    init(
        relay: Relay, configuration: RelayConfiguration, topology: TopicTopology, status: RelayStatus, logger: Logger
    ) async throws(RelayError) {
        self.relay = relay
        self.configuration = configuration
        self.status = status
        self.topology = topology
        self.logger = logger
        self.inputTopicIndex = Dictionary(
            configuration.inputTopics.enumerated().map { ($1, Int16(clamping: $0)) },
            uniquingKeysWith: { first, _ in first })
        self.sizeLimit = OutputSizeLimit(producer: configuration.kafka(for: .producer))
        let session = configuration.kafka(for: .consumer)["session.timeout.ms"].flatMap { Int64($0) } ?? 45_000
        self.ownership = PartitionOwnership(
            inputTopics: configuration.inputTopics, topology: topology,
            standbyGrace: PartitionOwnership.standbyGrace(sessionTimeout: .milliseconds(session)))
        self.sweep = configuration.finishedRetention.map {
            RetentionSweep(
                retention: $0, horizon: configuration.finishedHorizon, limit: configuration.maxRecordsPerTransaction)
        }
        self.table = DedupTable(tracksFinishedJobs: configuration.finishedRetention != nil)
        self.classifier = RecordClassifier(
            decoding: configuration.decoding, ordering: configuration.ordering, keyMismatch: configuration.keyMismatch)
        self.machine = RelayStateMachine(
            delivery: configuration.delivery, interval: configuration.transactionInterval,
            maxRecords: configuration.maxRecordsPerTransaction, operationTimeout: configuration.operationTimeout,
            drainTimeout: configuration.drainTimeout, overlapsCommits: true)
        do {
            consumer = try KafkaConsumer(
                configuration: RelayClientSettings.consumer(configuration), logger: logger,
                statisticsHandler: configuration.statisticsHandler)
            producer = try KafkaProducer(
                configuration: RelayClientSettings.producer(configuration), logger: logger,
                statisticsHandler: configuration.statisticsHandler, deliveryReportPause: Self.deliveryReportPause)
            // The restore's reader has a group of its own: it only assigns partitions, and never commits.
            restorer = try PartitionEndReader(
                configuration: RelayClientSettings.restoreReader(configuration),
                groupID: "\(configuration.group)-restore", logger: logger)
        } catch {
            throw RelayError(.other, "kafka configuration: \(error.message)", underlying: error)
        }
    }

    // MARK: - Run

    func run() async throws(RelayError) {
        do throws(RelayError) {
            try await start()
            try await loop()
        } catch {
            status.update { $0.phase = .failed }
            await dropPollAhead()
            await closeClients()
            throw error
        }
        await dropPollAhead()
        if !relay.isAbandoned { await handOverPartitions() }
        await closeClients()
        machine.closed()
        status.update { $0.phase = .stopped }
        logger.notice("relay stopped", metadata: ["counters": "\(committedCounters)"])
    }

    /// `init_transactions` and the restore reader's metadata run side by side, then the consumer
    /// joins the group. Not the join first: a start whose `init_transactions` fails (the
    /// transactional id not authorised, no coordinator) would by then hold partitions the group
    /// gave it, and a static member that closes sends no LeaveGroup, so they would wait out
    /// `session.timeout.ms`, again on every restart of a crash loop.
    private func start() async throws(RelayError) {
        let transactional = isExactlyOnce ? producer : nil
        let timeout = configuration.operationTimeout
        async let initialized = Self.initTransactions(transactional, timeout: timeout)
        await restorer.warmUp(timeout: timeout)
        if let error = await initialized { throw fatal(error, "cannot start") }
        // After init_transactions (both run on the producer's thread, one after the other): a
        // start that cannot reach the brokers fails in init_transactions' time, not that plus
        // this one's, which is short for the same reason.
        let written = [configuration.outputTopic, configuration.deadLetterTopic]
        if let error = await Self.warmUp(producer, topics: written, timeout: Self.producerWarmUpTimeout) {
            logger.info(
                "the producer could not fetch the output topics' metadata at start; the first records wait for it",
                metadata: ["error": "\(error)"])
        }
        do {
            try consumer.subscribe(topics: configuration.inputTopics)
        } catch {
            throw fatal(error, "cannot start")
        }
        for overridden in RelayClientSettings.overridden(configuration) {
            logger.warning(
                "kafka.\(overridden.userKey)=\(overridden.userValue) is replaced by \(overridden.forced.key)=\(overridden.forced.value) for the \(overridden.forced.role.rawValue): \(overridden.forced.reason)"
            )
        }
        logger.notice(
            "relay started",
            metadata: [
                "delivery": "\(configuration.delivery)", "group": "\(configuration.group)",
                "input": "\(configuration.inputTopics)", "output": "\(configuration.outputTopic)",
                "transactional.id": "\(isExactlyOnce ? RelayClientSettings.transactionalID(configuration) : "-")",
            ])
    }

    /// How long the producer's metadata warm-up may hold the start: the brokers answered
    /// the restore reader's metadata by then, so an answer takes milliseconds; without one the
    /// first records fetch the metadata themselves.
    static let producerWarmUpTimeout = Duration.seconds(2)

    /// The producer learns where the topics it writes to live before the first record, not from
    /// it: a producer that meets a topic in its first record holds every record until its own
    /// metadata request returns, and the first commit after READY took 0.8 s on the mock,
    /// a fifth of a million-record backlog's run. The error, or `nil` when done.
    private static func warmUp(_ producer: KafkaProducer, topics: [String], timeout: Duration) async -> KafkaError? {
        do throws(KafkaError) {
            try await producer.warmUp(topics: topics, timeout: timeout)
            return nil
        } catch {
            return error
        }
    }

    /// `init_transactions` of a transactional producer; the error, or `nil` when done (or without one).
    private static func initTransactions(_ producer: KafkaProducer?, timeout: Duration) async -> KafkaError? {
        guard let producer else { return nil }
        do throws(KafkaError) {
            try await producer.initTransactions(timeout: timeout)
            return nil
        } catch {
            return error
        }
    }

    private func loop() async throws(RelayError) {
        while true {
            while let stalled = configuration.stallSwitch, stalled(), !relay.isStopRequested {
                try? await Task.sleep(for: .milliseconds(100))  // no heartbeat: the watchdog must notice
            }
            if relay.isAbandoned {
                logger.warning("abandoning the relay without committing (test switch)")
                // A commit already under way (exactly-once overlap) is the broker's by now: it
                // ends before the relay does, so a test that looks at the group and the output
                // after the abandon sees what the next instance will, not a commit landing later.
                if let commit = commitInFlight {
                    _ = await commit.end()
                    commitInFlight = nil
                }
                machine.abandoned()
                return
            }
            if relay.isStopRequested || Task.isCancelled {
                if try await drain() { return }
            }
            let event: KafkaConsumerEvent
            let ahead = await takePollAhead()
            if let commit = commitInFlight, machine.isCommitOverlapping, let ended = commit.result,
                !(ahead?.isRebalance ?? false)
            {
                // Ended while the loop judged. A rebalance the poll ahead brought goes first (as
                // with one raced against the end, below).
                commitInFlight = nil
                if try await perform(await commitEnded(commit, ended)) { return }
            }
            if let polled = ahead.flatMap(droppingRewound) {
                event = polled
            } else if let commit = commitInFlight, machine.isCommitOverlapping {
                // Whichever comes first: the commit's end, or records for the next transaction.
                let (polled, ended) = await pollOrCommitEnd(commit)
                if let ended, !(polled?.isRebalance ?? false) {
                    // A rebalance polled with it goes first (below): the machine then waits for
                    // this commit's end (already there), so a loss still drops the next transaction.
                    commitInFlight = nil
                    rewound = []
                    if try await perform(await commitEnded(commit, ended)) { return }
                    // An abort rewound these partitions: what the poll read of them before the
                    // seek lies past the redo's start, and is read again from there.
                    event = (polled ?? .messages([])).dropping(rewound)
                } else {
                    event = polled ?? .messages([])
                }
            } else {
                event = await consumer.poll(maxMessages: Self.pollBatchSize, timeout: pollTimeout)
            }
            status.heartbeat()
            updateLag(now: .now)
            if ownership.settleStandby(now: .now) { standBy() }
            switch event {
            case .messages(let batch) where !batch.isEmpty:
                startPollAhead()
                if try await perform(machine.batchReceived(batch, now: .now)) { return }
            case .messages, .endOfPartition:
                break
            case .rebalance(let rebalance):
                if try await handle(rebalance) { return }
            case .error(let error):
                if error.isFatal { throw fatal(error, "consumer") }
                logger.warning("consumer error", metadata: ["error": "\(error)"])
            }
            if machine.isIdle && !relay.isStopRequested {
                // Tombstones are due while no input arrives: a transaction of their own.
                let found = collectFinishedJobs(besides: machine.dueTombstones, pending: DedupTable.Pending())
                if try await perform(machine.tombstonesDue(found, now: .now)) { return }
            }
            if try await perform(machine.tick(now: .now)) { return }
        }
    }

    /// A stop was requested (or the task cancelled): the status says so (not ready from here on),
    /// and the machine commits what is open before the clients close, within the drain's time
    /// counted from the request. Returns `true` once closed.
    func drain() async throws(RelayError) -> Bool {
        markDraining()
        let now = ContinuousClock.now
        return try await perform(machine.shutdownRequested(at: relay.stopRequestedAt ?? now, now: now))
    }

    func markDraining() {
        status.update { if $0.phase != .failed { $0.phase = .draining } }
    }

    /// Short enough to commit on time and to notice a stop request: with a transaction open, a
    /// poll ends when it is due to commit (a poll of half the interval committed up to half an
    /// interval late when no records came, which was most of a quiet input's latency).
    private var pollTimeout: Duration {
        let longest = Duration.milliseconds(500)
        guard let due = machine.commitDue else { return longest }
        return min(max(due - .now, .milliseconds(1)), longest)
    }

    /// While a commit overlaps the next batches: the next poll's event and the commit's result,
    /// whichever comes first, the other cancelled (a cancelled poll returns at once, with what it
    /// read; the commit goes on) and returned too if it came meanwhile.
    private func pollOrCommitEnd(
        _ commit: CommitInFlight
    ) async -> (KafkaConsumerEvent?, Result<Void, KafkaError>?) {
        enum Race: Sendable {
            case polled(KafkaConsumerEvent)
            case ended(Result<Void, KafkaError>?)
        }
        let consumer = consumer
        let timeout = pollTimeout
        return await withTaskGroup(of: Race.self) { group in
            group.addTask { .polled(await consumer.poll(maxMessages: Self.pollBatchSize, timeout: timeout)) }
            group.addTask { .ended(await commit.endUnlessCancelled()) }
            var polled: KafkaConsumerEvent?
            var ended: Result<Void, KafkaError>?
            var first = true
            while let outcome = await group.next() {
                switch outcome {
                case .polled(let event): polled = event
                case .ended(let result): ended = result
                }
                if first { group.cancelAll() }
                first = false
            }
            return (polled, ended)
        }
    }

    /// Runs an action of the state machine and the ones that follow it; returns `true` once
    /// the relay has closed (drained).
    /// - Parameter rewindKeeping: the partitions an abort may rewind (during a revoke, the
    ///   ones that stay).
    @discardableResult
    func perform(
        _ action: consuming RelayStateMachine.Action, rewindKeeping: Set<TopicPartition>? = nil
    ) async throws(RelayError) -> Bool {
        var next = action
        while true {
            switch next {
            case .none:
                return false
            case .beginAndProcess(let batch):
                if let failed = beginTransaction() {
                    next = failed
                    continue
                }
                next = await process(batch)
            case .process(let batch):
                next = await process(batch)
            case .sendDeadLetters(let records):
                // Still shared with the committing transaction, which keeps its deferred dead
                // letters: the call copies the array once before moving records out of it.
                next = .none
                next = await sendDeadLetters(records)
            case .sendOffsets(let offsets, let timeout):
                next = await sendOffsets(offsets, timeout: timeout)
            case .commitTransaction(let timeout):
                next = await commitTransaction(timeout: timeout)
            case .startCommitTransaction(let timeout):
                commitInFlight = CommitInFlight(committing: producer, timeout: timeout)
                return false
            case .startDelivery(let offsets, let timeout):
                commitInFlight = CommitInFlight(delivering: producer, timeout: timeout, thenCommit: offsets)
                return false
            case .awaitCommit:
                guard let commit = commitInFlight else { preconditionFailure("no commit to wait for") }
                commitInFlight = nil
                next = await commitEnded(commit, await commit.end())
            case .beginAndSend(let records):
                if isExactlyOnce, let failed = beginTransaction() {
                    next = failed
                    continue
                }
                next = .none  // the records are then the call's alone: it moves them out, not copies
                next = await sendHeld(records)
            case .deliver(let offsets, let timeout):
                next = await deliver(thenCommit: offsets, timeout: timeout)
            case .abortTransaction(let timeout):
                next = await abortTransaction(timeout: timeout, rewindKeeping: rewindKeeping ?? ownership.assigned)
            case .rewind(let offsets):
                next = try await rewind(to: offsets)
            case .close:
                return true
            case .fail(let failure):
                logger.critical("the relay cannot go on", metadata: ["error": "\(failure)"])
                throw failure.relayError
            }
        }
    }

    /// Begins a transaction; `nil` when it began, else the machine's step after the failure.
    private func beginTransaction() -> RelayStateMachine.Action? {
        do throws(KafkaError) {
            try producer.beginTransaction()
            return nil
        } catch {
            return machine.beginFailed(error)
        }
    }

    // MARK: - Closing

    /// A drain hands this instance's partitions over at once. A dynamic member's close leaves
    /// the group anyway; a static one (`group.instance.id`) must unsubscribe and poll until
    /// librdkafka has sent its LeaveGroup, which it does once the revoke is applied (or at once
    /// with nothing assigned) and never on close. The sign is the member id, which librdkafka
    /// clears as it leaves: a revoke that was already queued (an unsubscribe waits for a
    /// rebalance under way) is not taken for the leave. Records those polls return are not
    /// processed: their offsets are not committed, and the next owner reads them. Bounded by
    /// `operation.timeout`, and by cancellation (polls then return at once).
    private func handOverPartitions() async {
        guard RelayClientSettings.groupInstanceID(configuration) != nil, !consumer.memberID.isEmpty else { return }
        do {
            try consumer.unsubscribe()
        } catch {
            logger.warning("unsubscribe failed; the group reassigns after the session", metadata: ["error": "\(error)"])
            return
        }
        let deadline = ContinuousClock.now + configuration.operationTimeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            _ = await consumer.poll(maxMessages: Self.pollBatchSize, timeout: .milliseconds(100))
            if consumer.memberID.isEmpty {
                logger.info("left the group: partitions handed over")
                break
            }
        }
        ownership.leftGroup()
    }

    private func closeClients() async {
        await consumer.close()
        await restorer.close()
        await producer.close(timeout: RelayConfiguration.producerCloseTimeout)
    }

    /// Puts the machine in its failed state and returns the error `run()` throws.
    func stop(_ failure: RelayFailure) -> RelayError {
        guard case .fail(let first) = machine.fail(failure) else { return failure.relayError }
        logger.critical("the relay cannot go on", metadata: ["error": "\(first)"])
        return first.relayError
    }

    func fatal(_ error: KafkaError, _ what: String) -> RelayError {
        if error.code == .fencedInstanceID, let instanceID = RelayClientSettings.groupInstanceID(configuration) {
            let message = """
                another instance joined group \(configuration.group) with this one's group.instance.id \
                "\(instanceID)" and fenced it: give each instance its own (input.group-instance-id, or \
                transaction.id / instance, from which it is derived), or set input.group-instance-id: off
                """
            logger.critical("\(message)")
            return RelayError(.duplicateInstance, message, underlying: error)
        }
        logger.critical("\(what): \(error)")
        let kind: RelayError.Kind = error.isFatal ? .fatalKafka : .other
        return RelayError(kind, "\(what): \(error.message)", underlying: error)
    }
}

extension RelayLoop {
    /// Once a second: each assigned partition's lag, from the watermarks of the last fetch
    /// (no broker round trip) and this instance's progress: its committed offsets, or, when
    /// idle, the consumer's position (so transaction markers in the input do not count).
    func updateLag(now: ContinuousClock.Instant) {
        guard lagTracker.isDue(at: now) else { return }
        let positions: [TopicPartition: KafkaOffset] =
            !machine.isIdle
            ? [:]
            : Dictionary(
                ((try? consumer.position(Array(ownership.assigned))) ?? []).map {
                    ($0.topicPartition, $0.offset)
                },
                uniquingKeysWith: max)
        let lag = LagTracker.lag(
            of: ownership.assigned, committed: status.current.committedOffsets, positions: positions,
            highWatermark: { consumer.cachedWatermarks(for: $0).high })
        status.update { $0.consumerLag = lag }
    }
}

extension KafkaConsumerEvent {
    /// Whether this is a rebalance.
    var isRebalance: Bool {
        if case .rebalance = self { return true }
        return false
    }

    /// Without the records of `partitions` (rebalances and errors stay as they are).
    fileprivate func dropping(_ partitions: Set<TopicPartition>) -> KafkaConsumerEvent {
        guard case .messages(let batch) = self, !partitions.isEmpty else { return self }
        return .messages(batch.filter { !partitions.contains($0.topicPartition) })
    }
}
