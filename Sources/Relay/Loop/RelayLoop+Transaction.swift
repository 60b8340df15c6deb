import Foundation
import Kafka

extension RelayLoop {
    // MARK: - Exactly once

    /// Adds the transaction's offsets with the consumer's *current* group metadata (KIP-447:
    /// its generation and member id let the broker reject a zombie that lost its partitions).
    func sendOffsets(_ offsets: [TopicPartitionOffset], timeout: Duration) async -> RelayStateMachine.Action {
        do throws(KafkaError) {
            let metadata = try consumer.groupMetadata()
            status.update {
                $0.lastGroupGeneration = metadata.generationID
                $0.lastGroupMemberID = metadata.memberID
            }
            try await producer.sendOffsetsToTransaction(offsets, groupMetadata: metadata, timeout: timeout)
            return machine.offsetsSent(now: .now)
        } catch {
            logger.warning("sending offsets to the transaction failed", metadata: ["error": "\(error)"])
            return machine.commitStepFailed(error, now: .now)
        }
    }

    func commitTransaction(timeout: Duration) async -> RelayStateMachine.Action {
        let started = ContinuousClock.now
        do throws(KafkaError) {
            try await producer.commitTransaction(timeout: timeout)
        } catch {
            return commitEnded(.failure(error), started: started)
        }
        return commitEnded(.success(()), started: started)
    }

    /// Reports the end of a commit that overlapped the next batches to the machine.
    func commitEnded(_ commit: CommitInFlight, _ result: Result<Void, KafkaError>) async -> RelayStateMachine.Action {
        switch commit.kind {
        case .transaction: return commitEnded(result, started: commit.started)
        case .delivery(let offsets): return await delivered(result, thenCommit: offsets, started: commit.started)
        }
    }

    /// Reports the end of a `commit_transaction` (waited for, or overlapping the next batches)
    /// to the machine, and applies the transaction if it committed.
    func commitEnded(_ result: Result<Void, KafkaError>, started: ContinuousClock.Instant) -> RelayStateMachine.Action {
        if case .failure(let error) = result {
            logger.warning("transaction commit failed", metadata: ["error": "\(error)"])
            return machine.commitStepFailed(error, now: .now)
        }
        _ = producer.takeDeliveryReport()
        let (transaction, next) = machine.committed()
        apply(transaction, commitDuration: .now - started)
        return next
    }

    /// The next transaction began after the commit before it: produces the records it held,
    /// each partition's in order (``RegistrationOrder``). A failure aborts it as a produce error
    /// while processing would.
    func sendHeld(_ records: consuming [OpenTransaction.HeldRecord]) async -> RelayStateMachine.Action {
        if let (error, tag) = await produce(records) {
            logger.error("producing a held record failed; aborting the transaction", metadata: ["error": "\(error)"])
            return machine.heldRecordFailed(error, tag: tag, now: .now)
        }
        return machine.heldRecordsSent(now: .now)
    }

    /// Produces the dead letters the committing transaction deferred, as its commit's first step.
    func sendDeadLetters(_ records: consuming [OpenTransaction.HeldRecord]) async -> RelayStateMachine.Action {
        if let (error, tag) = await produce(records) {
            logger.error("producing a dead letter failed; aborting the transaction", metadata: ["error": "\(error)"])
            return machine.deadLetterFailed(error, tag: tag, now: .now)
        }
        return machine.deadLettersSent(now: .now)
    }

    /// Produces `records` in ``RegistrationOrder``, waiting for room in librdkafka's queue only
    /// when it is full; the first failure and its record's tag, if any (the records after it are
    /// not produced). Each record is moved out of the array to be produced (when the array is
    /// this call's alone, as the held records are: else it is copied once, whole).
    private func produce(_ records: consuming [OpenTransaction.HeldRecord]) async -> (KafkaError, tag: Int?)? {
        var records = records
        for index in RegistrationOrder.order(of: records) {
            var record = OpenTransaction.HeldRecord.movedOut
            swap(&record, &records[index])
            do {
                if try producer.trySend(record.message, tag: record.tag) { continue }
                try await producer.send(record.message, tag: record.tag)
            } catch {
                return (error, record.tag)
            }
        }
        return nil
    }

    /// Where librdkafka's partitioner (murmur2 of the key) puts a held record, for
    /// ``RegistrationOrder``: the output's partitions are slots 0 and up, the DLQ's follow them;
    /// `nil` for a null key or another topic.
    func heldRecordSlot(_ message: KafkaOutgoingMessage) -> Int? {
        let (first, count): (Int, Int32)
        switch message.topic {
        case configuration.outputTopic: (first, count) = (0, topology.outputPartitions)
        case configuration.deadLetterTopic:
            (first, count) = (Int(topology.outputPartitions), topology.deadLetterPartitions)
        default: return nil
        }
        if message.partition != .unassigned {
            return message.partition.rawValue < count ? first + Int(message.partition.rawValue) : nil
        }
        guard count > 0, let key = message.key else { return nil }
        return first + Int(Murmur2Partitioner.partition(forKey: key, partitionCount: count).rawValue)
    }

    /// Aborts the transaction; the machine drops its work, and remembers the records the broker
    /// refused for good, to be dead-lettered. What follows is the machine's (`rewindKeeping` are
    /// the partitions a rewind may seek: the assigned ones, or during a revoke the ones that stay).
    func abortTransaction(
        timeout: Duration, rewindKeeping partitions: Set<TopicPartition>
    ) async -> RelayStateMachine.Action {
        do throws(KafkaError) {
            try await producer.abortTransaction(timeout: timeout)
        } catch {
            logger.error("abort failed", metadata: ["error": "\(error)"])
            return machine.abortFailed(error, now: .now)
        }
        let (refused, next) = machine.aborted(keeping: partitions, rejections: recordRejections())
        for refusal in refused {
            logger.error(
                "the broker refused a record for good; it goes to the dead-letter topic",
                metadata: [
                    "source": "\(refusal.source.partition)@\(refusal.source.offset)",
                    "dead letter": "\(refusal.isDeadLetter)", "error": "\(refusal.error)",
                ])
        }
        status.update { $0.transactionsAborted += 1 }
        return next
    }

    /// After an abort, redoes the transaction: brokers that do not hide aborted records (the mock,
    /// tansu) show its records to every reader, so they are read back like any restore, and the
    /// redo finds their coordinates and writes nothing twice (where they are hidden, the read
    /// finds nothing); then the partitions seek back to where it started.
    func rewind(to offsets: [TopicPartitionOffset]) async throws(RelayError) -> RelayStateMachine.Action {
        ownership.forgetExtraOutputPartitions()
        guard try await restore(forInput: ownership.assigned.sorted()) else {
            // Stopped while reading the aborted records back: nothing is open, so the drain
            // only leaves the group; the group's offsets are still the last commit's.
            markDraining()
            let now = ContinuousClock.now
            return machine.shutdownRequested(at: relay.stopRequestedAt ?? now, now: now)
        }
        if !offsets.isEmpty {
            rewound.formUnion(offsets.map(\.topicPartition))
            do {
                try await consumer.seek(offsets, timeout: configuration.operationTimeout)
            } catch {
                throw fatal(error, "rewind after abort")
            }
        }
        logger.warning("transaction aborted; rewound", metadata: ["to": "\(offsets)"])
        return .none
    }

    /// Delivery reports of refused records name their source records through their tags. The
    /// broker refuses whole produce batches, so only a refusal of one record alone is that
    /// record's fault; several at once point at the topic's `max.message.bytes` (the aborts then
    /// repeat until the relay stops with that message), and none is returned.
    private func recordRejections() -> [Int: KafkaError] {
        let report = producer.takeDeliveryReport()
        let rejections = report.failedTags.filter { $0.value.isRecordRejection }
        guard rejections.count <= 1 else {
            let first = rejections.first.map { "\($0.value)" } ?? ""
            logger.error(
                """
                the broker refused \(rejections.count) records at once: is a produce batch larger than the topic's \
                max.message.bytes? Raise it, or lower kafka.batch.size / kafka.message.max.bytes
                """, metadata: ["error": "\(first)"])
            return [:]
        }
        return rejections
    }

    // MARK: - At least once

    /// Waits for every delivery report, then ``delivered(_:thenCommit:started:)``.
    func deliver(thenCommit offsets: [TopicPartitionOffset], timeout: Duration) async -> RelayStateMachine.Action {
        let started = ContinuousClock.now
        do throws(KafkaError) {
            try await producer.flush(timeout: timeout)
        } catch {
            return await delivered(.failure(error), thenCommit: offsets, started: started)
        }
        return await delivered(.success(()), thenCommit: offsets, started: started)
    }

    /// The wait for delivery ended (a flush, or a wait that overlapped the next batches): all
    /// delivered, it commits the offsets (a failure there is logged: the replay it causes is
    /// dropped as duplicates after the restore). A report taken while the next transaction
    /// produces may hold its records' failures too: any failure stops the relay anyway.
    func delivered(
        _ result: Result<Void, KafkaError>, thenCommit offsets: [TopicPartitionOffset], started: ContinuousClock.Instant
    ) async -> RelayStateMachine.Action {
        if case .failure(let error) = result { return machine.commitStepFailed(error, now: .now) }
        let report = producer.takeDeliveryReport()
        if let failure = report.failures.first {
            logger.critical(
                "records were not delivered",
                metadata: ["failed": "\(report.failedCount)", "first": "\(report.failures.prefix(3))"])
            return machine.commitStepFailed(failure, now: .now)
        }
        // Partitions lost during a wait that overlapped the next batches commit nothing.
        if !offsets.isEmpty, machine.commitsDeliveredOffsets {
            do {
                try await consumer.commit(offsets)
            } catch {
                logger.warning("offset commit failed; the next commit covers it", metadata: ["error": "\(error)"])
            }
        }
        let (transaction, next) = machine.committed()
        apply(transaction, commitDuration: .now - started)
        return next
    }

    // MARK: - After a commit

    /// From a record's timestamp to `now` (both milliseconds since the epoch): zero for a
    /// timestamp in the future, and the largest value rather than a wrapped one for a timestamp
    /// so far in the past that the difference overflows (producers set any 64-bit value).
    static func latency(since timestamp: Int64, now: Int64) -> Duration {
        let (difference, overflow) = now.subtractingReportingOverflow(timestamp)
        guard !overflow else { return timestamp < 0 ? .milliseconds(Int64.max) : .zero }
        return .milliseconds(max(0, difference))
    }

    /// The transaction's work is now what readers see: its changes into the table, the
    /// counters, the status. Called once per commit, with what ``RelayStateMachine/committed()``
    /// handed over.
    private func apply(_ transaction: OpenTransaction, commitDuration: Duration) {
        table.apply(transaction.pending.jobs)
        origins.apply(transaction.pending.origins)
        for offset in transaction.commitOffsets {
            ownership.noteGroupOffset(offset)
            handled.raiseFloor(offset.topicPartition, to: offset.offset)
        }
        committedCounters.add(transaction.counters)
        status.keep(transaction.published, tombstoned: transaction.tombstoned)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let latency = transaction.oldestTimestamp.map { Self.latency(since: $0, now: now) } ?? .zero
        metrics.commitDuration.recordNanoseconds(commitDuration.wholeNanoseconds)
        if transaction.oldestTimestamp != nil {
            metrics.endToEndLatency.recordNanoseconds(latency.wholeNanoseconds)
        }
        status.update { snapshot in
            snapshot.lastEndToEndLatency = latency
            snapshot.counters = committedCounters
            snapshot.trackedJobs = table.count
            snapshot.transactionsCommitted += 1
            snapshot.lastCommitDuration = commitDuration
            for offset in transaction.commitOffsets {
                snapshot.committedOffsets[offset.topicPartition] = offset.offset
            }
        }
    }
}
