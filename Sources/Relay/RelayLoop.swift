import Foundation
import JobStatus
import Kafka
import Logging

/// One run of the relay: owns the clients and the loop's mutable state, all
/// confined to the task that calls ``run()``.
final class RelayLoop {
    private let relay: Relay
    private let configuration: RelayConfiguration
    private let topology: TopicTopology
    private let logger: Logger
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let restorer: OutputRestorer
    private let classifier: RecordClassifier
    private var machine: RelayStateMachine
    private var table = DedupTable()
    private var groupMetadata: KafkaGroupMetadata?

    private var assigned: Set<TopicPartition> = []
    private var restoredOutput: Set<Int32> = []
    /// Per input partition, the highest source offset already reflected in the output or the DLQ.
    private var handled = SourceWatermarks()
    /// Open transaction: first and next offsets per input partition, counters, dead letters.
    private var transactionStart: [TopicPartition: KafkaOffset] = [:]
    private var transactionNext: [TopicPartition: KafkaOffset] = [:]
    private var pendingCounters = RelayCounters()
    private var pendingHandled = SourceWatermarks()
    private var pendingRecords: [(jobID: String, record: [UInt8])] = []
    private var oldestTimestamp: Int64?
    private var committedCounters = RelayCounters()
    private var commitStarted: ContinuousClock.Instant = .now
    private var commitDeadline: ContinuousClock.Instant = .now

    private var isExactlyOnce: Bool { configuration.delivery == .exactlyOnce }

    init(relay: Relay, topology: TopicTopology, logger: Logger) async throws(RelayError) {
        self.relay = relay
        self.configuration = relay.configuration
        self.topology = topology
        self.logger = logger
        self.classifier = RecordClassifier(
            decoding: configuration.decoding, ordering: configuration.ordering, keyMismatch: configuration.keyMismatch)
        self.machine = RelayStateMachine(
            interval: configuration.transactionInterval, maxRecords: configuration.maxRecordsPerTransaction)
        do {
            consumer = try KafkaConsumer(
                configuration: Self.consumerConfiguration(configuration), logger: logger,
                statisticsHandler: configuration.statisticsHandler)
            producer = try KafkaProducer(
                configuration: Self.producerConfiguration(configuration), logger: logger,
                statisticsHandler: configuration.statisticsHandler)
            restorer = try OutputRestorer(
                kafka: configuration.kafka, group: configuration.group, logger: logger,
                timeout: configuration.operationTimeout)
        } catch {
            throw RelayError(.other, "kafka configuration: \(error.message)", underlying: error)
        }
    }

    static func consumerConfiguration(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = configuration.kafka
        kafka["group.id"] = configuration.group
        kafka["isolation.level"] = "read_committed"
        kafka["enable.auto.commit"] = "false"
        kafka["enable.auto.offset.store"] = "false"
        if kafka["auto.offset.reset"] == nil { kafka["auto.offset.reset"] = "earliest" }
        return kafka
    }

    static func producerConfiguration(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = configuration.kafka
        kafka["partitioner"] = "murmur2_random"
        kafka["enable.idempotence"] = "true"
        if configuration.delivery == .exactlyOnce {
            kafka["transactional.id"] = transactionalID(configuration)
        }
        return kafka
    }

    /// `transaction.id`, or `jobstatusd-<group>-<host name>`: stable per instance, so a
    /// restarted instance fences its own zombie.
    static func transactionalID(_ configuration: RelayConfiguration) -> String {
        if !configuration.transactionalID.isEmpty { return configuration.transactionalID }
        return "jobstatusd-\(configuration.group)-\(ProcessInfo.processInfo.hostName)"
    }

    // MARK: - Run

    func run() async throws(RelayError) {
        do throws(RelayError) {
            try await start()
            try await loop()
        } catch {
            relay.status.update { $0.phase = .failed }
            await closeClients()
            throw error
        }
        await closeClients()
        machine.closed()
        relay.status.update { $0.phase = .stopped }
        logger.notice("relay stopped", metadata: ["counters": "\(committedCounters)"])
    }

    private func start() async throws(RelayError) {
        do {
            if isExactlyOnce {
                try await producer.initTransactions(timeout: configuration.operationTimeout)
                groupMetadata = try consumer.groupMetadata()
            }
            try consumer.subscribe(topics: configuration.inputTopics)
        } catch {
            throw fatal(error, "cannot start")
        }
        logger.notice(
            "relay started",
            metadata: [
                "delivery": "\(configuration.delivery)", "group": "\(configuration.group)",
                "input": "\(configuration.inputTopics)", "output": "\(configuration.outputTopic)",
                "transactional.id": "\(isExactlyOnce ? Self.transactionalID(configuration) : "-")",
            ])
    }

    private func loop() async throws(RelayError) {
        while true {
            while let stalled = configuration.stallSwitch, stalled(), !relay.isStopRequested {
                try? await Task.sleep(for: .milliseconds(100))  // no heartbeat: the watchdog must notice
            }
            if relay.isAbandoned {
                logger.warning("abandoning the relay without committing (test switch)")
                return
            }
            if relay.isStopRequested || Task.isCancelled {
                if try await perform(machine.shutdownRequested()) { return }
            }
            let event = await consumer.poll(maxMessages: 1000, timeout: pollTimeout)
            relay.status.heartbeat()
            switch event {
            case .messages(let batch):
                try await perform(machine.batchReceived(count: batch.count, now: .now), batch: batch)
            case .rebalance(let rebalance):
                try await handle(rebalance)
            case .error(let error):
                if error.isFatal { throw fatal(error, "consumer") }
                logger.warning("consumer error", metadata: ["error": "\(error)"])
            }
            _ = try await perform(machine.tick(now: .now))
        }
    }

    private var pollTimeout: Duration {
        machine.hasOpenTransaction ? configuration.transactionInterval / 2 : .milliseconds(500)
    }

    /// Runs an action of the state machine; returns `true` once the relay has closed.
    @discardableResult
    private func perform(
        _ action: RelayStateMachine.Action, batch: [KafkaMessage] = []
    ) async throws(RelayError)
        -> Bool
    {
        var next = action
        while true {
            switch next {
            case .none:
                return false
            case .beginAndProcess:
                if isExactlyOnce {
                    do {
                        try producer.beginTransaction()
                    } catch {
                        throw fatal(error, "begin transaction")
                    }
                }
                next = await process(batch)
            case .process:
                next = await process(batch)
            case .commit(let reason):
                commitDeadline = .now + configuration.operationTimeout
                next = await commit(reason)
            case .retryCommit(let reason):
                // All attempts of one commit share one deadline; past it, abort and rewind.
                next =
                    ContinuousClock.now < commitDeadline
                    ? await commit(reason)
                    : machine.commitFailed(retriable: false, requiresAbort: true, fatal: false)
            case .abortAndRewind:
                next = try await abortAndRewind()
            case .fail:
                throw RelayError(.fatalKafka, "the relay cannot go on; see the error above")
            case .close:
                return true
            }
        }
    }

    // MARK: - Processing

    /// Processes a batch in the open transaction; a produce error aborts it.
    private func process(_ batch: [KafkaMessage]) async -> RelayStateMachine.Action {
        do throws(KafkaError) {
            for message in batch where assigned.contains(message.topicPartition) {
                try await process(message)
            }
            return .none
        } catch {
            logger.error("produce failed; aborting the transaction", metadata: ["error": "\(error)"])
            return error.isFatal
                ? machine.fatalError() : machine.commitFailed(retriable: false, requiresAbort: true, fatal: false)
        }
    }

    private func process(_ message: KafkaMessage) async throws(KafkaError) {
        let partition = message.topicPartition
        if transactionStart[partition] == nil { transactionStart[partition] = message.offset }
        transactionNext[partition] = KafkaOffset(rawValue: message.offset.rawValue + 1)
        pendingCounters.consumed += 1
        // Decoded once: the restore check, the replay count and the judgement share it.
        let decoded = classifier.decode(message)
        if case .status(let status) = decoded { try await ensureRestored(jobID: status.jobID) }
        if handled.contains(partition, message.offset) {
            countReplay(decoded)
            return
        }
        let (outcome, keyMismatched) = classifier.judge(decoded, key: message.key, table: table)
        if keyMismatched { pendingCounters.keyMismatches += 1 }
        switch outcome {
        case .publish(let jobID, let bytes, let state):
            try await producer.send(
                KafkaOutgoingMessage(
                    topic: configuration.outputTopic, key: Array(jobID.utf8), value: bytes,
                    headers: DeadLetter.sourceHeaders(of: message)))
            table.recordPending(jobID, state)
            pendingHandled.record(partition, message.offset)
            pendingRecords.append((jobID, bytes))
            if let timestamp = message.timestampMilliseconds {
                oldestTimestamp = min(oldestTimestamp ?? timestamp, timestamp)
            }
            pendingCounters.published += 1
        case .drop(let reason):
            pendingCounters.dropped[reason, default: 0] += 1
        case .deadLetter(let error):
            pendingCounters.invalid[error.reason, default: 0] += 1
            try await producer.send(DeadLetter.make(for: message, error: error, topic: configuration.deadLetterTopic))
            pendingHandled.record(partition, message.offset)
            pendingCounters.deadLettered += 1
            logger.debug(
                "dead-lettered", metadata: ["source": "\(partition)@\(message.offset)", "reason": "\(error.reason)"])
        case .tombstone:
            pendingCounters.tombstones += 1
        }
    }

    /// A replayed record whose effect the output (or the DLQ) already holds: it counts as a
    /// duplicate, or as a dead letter already written. Equal-rank regressions make this necessary:
    /// the table alone would publish a replayed QUEUED again after VALIDATING.
    private func countReplay(_ decoded: RecordClassifier.DecodedRecord) {
        switch decoded {
        case .tombstone:
            pendingCounters.tombstones += 1
        case .status:
            pendingCounters.dropped[.duplicate, default: 0] += 1
        case .invalid(let error):
            pendingCounters.invalid[error.reason, default: 0] += 1
            pendingCounters.deadLettersAlreadyWritten += 1
        }
    }

    /// In aligned mode, a job whose output partition was not restored (its input record was not
    /// keyed as expected) gets that partition restored before it is judged.
    private func ensureRestored(jobID: String) async throws(KafkaError) {
        guard topology.isAligned, restoredOutput.count < Int(topology.outputPartitions) else { return }
        let partition = Murmur2Partitioner.partition(
            forKey: Array(jobID.utf8), partitionCount: topology.outputPartitions)
        guard !restoredOutput.contains(partition) else { return }
        logger.info(
            "restoring an extra output partition for a record keyed unlike its job_id",
            metadata: ["partition": "\(partition)"])
        try await restore(outputPartitions: [partition])
    }

    // MARK: - Commit and abort

    private func commit(_ reason: RelayStateMachine.CommitReason) async -> RelayStateMachine.Action {
        commitStarted = .now
        let timeout = max(.seconds(1), commitDeadline - .now)
        let offsets = transactionNext.map { TopicPartitionOffset($0.key, $0.value) }
        do throws(KafkaError) {
            if isExactlyOnce {
                if let groupMetadata {
                    try await producer.sendOffsetsToTransaction(offsets, groupMetadata: groupMetadata, timeout: timeout)
                }
                try await producer.commitTransaction(timeout: timeout)
            } else {
                try await producer.flush(timeout: timeout)
                let report = producer.takeDeliveryReport()
                guard report.isSuccess else {
                    logger.critical(
                        "records were not delivered", metadata: ["failures": "\(report.failures.prefix(3))"])
                    return machine.fatalError()
                }
                finishCommit(reason)
                do {
                    try await consumer.commit(offsets)
                } catch {
                    // The outputs are out; a replay of these records is dropped as duplicates.
                    logger.warning("offset commit failed; the next commit covers it", metadata: ["error": "\(error)"])
                }
                return machine.commitSucceeded()
            }
        } catch {
            logger.warning("transaction commit failed", metadata: ["error": "\(error)", "reason": "\(reason)"])
            return machine.commitFailed(
                retriable: error.isRetriable, requiresAbort: error.requiresAbort, fatal: error.isFatal)
        }
        finishCommit(reason)
        return machine.commitSucceeded()
    }

    private func finishCommit(_ reason: RelayStateMachine.CommitReason) {
        table.commitPending()
        handled.merge(pendingHandled)
        committedCounters.add(pendingCounters)
        let duration = ContinuousClock.now - commitStarted
        for (jobID, record) in pendingRecords { relay.status.keep(jobID, record) }
        let latency: Duration =
            oldestTimestamp.map { .milliseconds(max(0, Int64(Date().timeIntervalSince1970 * 1000) - $0)) } ?? .zero
        relay.status.update { snapshot in
            snapshot.lastEndToEndLatency = latency
            snapshot.counters = committedCounters
            snapshot.trackedJobs = table.count
            snapshot.transactionsCommitted += 1
            snapshot.lastCommitDuration = duration
        }
        clearTransaction()
    }

    private func abortAndRewind() async throws(RelayError) -> RelayStateMachine.Action {
        let rewind = transactionStart.filter { assigned.contains($0.key) }.map {
            TopicPartitionOffset($0.key, $0.value)
        }
        if isExactlyOnce {
            do {
                try await producer.abortTransaction(timeout: configuration.operationTimeout)
            } catch {
                logger.critical("cannot abort the transaction", metadata: ["error": "\(error)"])
                throw fatal(error, "abort transaction")
            }
        }
        table.discardPending()
        clearTransaction()
        relay.status.update { $0.transactionsAborted += 1 }
        if !rewind.isEmpty {
            do {
                try await consumer.seek(rewind, timeout: configuration.operationTimeout)
            } catch {
                throw fatal(error, "rewind after abort")
            }
        }
        logger.warning("transaction aborted; rewound", metadata: ["to": "\(rewind)"])
        return machine.abortSucceeded(draining: relay.isStopRequested)
    }

    private func clearTransaction() {
        transactionStart.removeAll()
        transactionNext.removeAll()
        pendingCounters = RelayCounters()
        pendingHandled = SourceWatermarks()
        pendingRecords.removeAll(keepingCapacity: true)
        oldestTimestamp = nil
    }

    // MARK: - Rebalance and restore

    private func handle(_ rebalance: KafkaRebalance) async throws(RelayError) {
        logger.info("rebalance", metadata: ["rebalance": "\(rebalance)"])
        switch rebalance.kind {
        case .assign:
            let added = rebalance.partitions
            if !rebalance.isCooperative { assigned = [] }
            assigned.formUnion(added)
            try await restore(forInput: added)
        case .revoke:
            try await perform(machine.revokeReceived())
            assigned.subtract(rebalance.isCooperative ? Set(rebalance.partitions) : assigned)
        default:
            try await perform(machine.partitionsLost())
            assigned.subtract(rebalance.isCooperative ? Set(rebalance.partitions) : assigned)
        }
        relay.status.update { $0.assignedPartitions = assigned.count }
    }

    private func restore(forInput partitions: [TopicPartition]) async throws(RelayError) {
        let outputs: [Int32] =
            topology.isAligned
            ? partitions.map(\.partition) : Array(0..<topology.outputPartitions)
        let missing = outputs.filter { !restoredOutput.contains($0) }
        machine.restoreStarted()
        relay.status.update { snapshot in
            snapshot.phase = .restoring
            snapshot.partitionsToRestore = missing.count
            snapshot.restoredPartitions = 0
        }
        let started = ContinuousClock.now
        do {
            try await restore(outputPartitions: missing)
        } catch {
            throw fatal(error, "restore from \(configuration.outputTopic)")
        }
        machine.restoreFinished()
        let duration = ContinuousClock.now - started
        relay.status.update { snapshot in
            snapshot.phase = .running
            snapshot.trackedJobs = table.count
            snapshot.lastRestoreDuration = duration
            snapshot.restoredPartitions = missing.count
        }
        logger.notice(
            "restored", metadata: ["output partitions": "\(missing)", "jobs": "\(table.count)", "took": "\(duration)"])
    }

    /// Reads the output partitions (and the dead-letter topic) into the table.
    private func restore(outputPartitions: [Int32]) async throws(KafkaError) {
        let partitions = outputPartitions.map { TopicPartition(configuration.outputTopic, $0) }
        var restoredRecords = 0
        let status = relay.status
        restoredRecords += try await restorer.catchUp(partitions, progress: { status.heartbeat() }) { message in
            guard let key = message.key else { return }
            let jobID = String(decoding: key, as: UTF8.self)
            guard let value = message.value else {
                table.restore(jobID, nil)
                relay.status.keep(jobID, nil)
                return
            }
            relay.status.keep(jobID, value)
            if let (source, offset) = DeadLetter.source(of: message) { handled.record(source, offset) }
            let options = DecodingOptions(limits: configuration.decoding.limits, unknownStatus: .pass)
            guard let status = try? JobStatus.decode(value, options: options) else { return }
            table.restore(jobID, PublishedState(status: status.status, canonicalBytes: value))
        }
        restoredOutput.formUnion(outputPartitions)
        let deadLetterPartitions = Int32(max(1, topology.inputPartitions.values.max() ?? 1))
        restoredRecords += try await restorer.catchUp(
            (0..<deadLetterPartitions).map { TopicPartition(configuration.deadLetterTopic, $0) },
            progress: { status.heartbeat() }
        ) { message in
            if let (source, offset) = DeadLetter.source(of: message) { handled.record(source, offset) }
        }
        relay.status.update { $0.restoredRecords += restoredRecords }
    }

    // MARK: - Closing

    private func closeClients() async {
        await consumer.close()
        await restorer.close()
        await producer.close(timeout: .seconds(5))
    }

    private func fatal(_ error: KafkaError, _ what: String) -> RelayError {
        logger.critical("\(what): \(error)")
        let kind: RelayError.Kind = error.isFatal ? .fatalKafka : .other
        return RelayError(kind, "\(what): \(error.message)", underlying: error)
    }
}

/// The highest input offset per partition whose effect the output or the DLQ already holds
/// (from the source headers every published record and dead letter carries), so a replay
/// after a crash or a rebalance writes nothing twice.
struct SourceWatermarks {
    private var highest: [TopicPartition: KafkaOffset] = [:]

    func contains(_ partition: TopicPartition, _ offset: KafkaOffset) -> Bool {
        guard let top = highest[partition] else { return false }
        return offset <= top
    }

    mutating func record(_ partition: TopicPartition, _ offset: KafkaOffset) {
        highest[partition] = max(highest[partition] ?? offset, offset)
    }

    mutating func merge(_ other: SourceWatermarks) {
        highest.merge(other.highest) { max($0, $1) }
    }
}
