import JobStatus
import Kafka

extension RelayLoop {
    /// Processes a batch in the open transaction. A produce error that is not the record's
    /// own fault aborts the transaction, which rewinds to its start (the whole batch
    /// included), so no record is skipped and no offset moves past an unprocessed one.
    func process(_ batch: [KafkaMessage]) async -> RelayStateMachine.Action {
        if configuration.stage == .repartition { return await repartition(batch) }
        var transaction = machine.startProcessing()
        var decoding = decoding(of: batch)
        // The assignment does not change within a batch: asked once, not per record.
        let mayReadOutput = ownership.mayReadOutputPartitions
        // The records before this index had their table lines asked for.
        var prefetched = 0
        do throws(RecordFailure) {
            // By runs of one partition: what is per partition is looked up once per run.
            for run in batch.partitionRuns where ownership.assigned.contains(batch[run.lowerBound].topicPartition) {
                checkInputOffsets(batch[run.lowerBound])
                var end = run.upperBound
                for index in run {
                    let decoded = await decoding.record(at: index)
                    if index >= prefetched {
                        // A chunk just decoded: its lookups' cache lines are asked for at once.
                        let (keys, chunkEnd) = decoding.keys(from: index)
                        table.prefetch(keys)
                        prefetched = chunkEnd
                    }
                    do {
                        try await process(batch[index], decoded, mayReadOutput: mayReadOutput, in: &transaction)
                    } catch .stopped {
                        end = index
                        break
                    }
                }
                transaction.consumed(batch[run.lowerBound..<end])
                if end < run.upperBound {
                    logger.notice("stopping: the batch ends before a record whose output partition was being read")
                    return machine.processed(transaction, now: .now)
                }
            }
            // A transaction judged during the commit before it writes its tombstones once it
            // began, with a later batch: until that commit ends, the group offsets its tombstones
            // would carry are the ones before it, and would move the group's offsets back.
            if !transaction.isJudgedDuringCommit {
                let found = collectFinishedJobs(besides: transaction.dueTombstones, pending: transaction.pending.jobs)
                if !found.isEmpty { transaction.dueTombstones = found }
                try await writeTombstones(&transaction)
            }
        } catch {
            return batchFailed(error, transaction)  // .stopped is not thrown past the loop above
        }
        return machine.processed(transaction, now: .now)
    }

    /// Whether `message` was dealt with before it came round again: its effect is in the output
    /// or the DLQ (counted as a replay), or the broker refused its output for good (dead-lettered
    /// now).
    func isSettled(
        _ message: KafkaMessage, _ decoded: RecordClassifier.DecodedRecord, _ transaction: inout OpenTransaction
    ) async throws(RecordFailure) -> Bool {
        if handled.contains(message.topicPartition, message.offset) {
            transaction.counters.countReplay(of: decoded)
            return true
        }
        if !transaction.refused.isEmpty, let refusal = transaction.refused[SourceCoordinate(message)] {
            try await deadLetterRefused(message, decoded, refusal, &transaction)
            if configuration.stage == .relayOfRepartition, let origin = RepartitionRecord.origin(of: message) {
                // A copy of it is then known as one, and not refused and dead-lettered again.
                _ = origins.isCopy(
                    origin, in: message.topicPartition, deadLetter: true, pending: &transaction.pending.origins)
            }
            return true
        }
        return false
    }

    /// What a batch that stopped on `failure` leads to: a produce error aborts the transaction
    /// (which rewinds to its start), a failed restore fails the relay, a stop commits what came
    /// before the record.
    func batchFailed(_ failure: RecordFailure, _ transaction: OpenTransaction) -> RelayStateMachine.Action {
        switch failure {
        case .produce(let error):
            logger.error("produce failed; aborting the transaction", metadata: ["error": "\(error)"])
            return machine.processingFailed(transaction, error: error, now: .now)
        case .restore(let failure):
            return machine.fail(.restore(failure))
        case .stopped:
            return machine.processed(transaction, now: .now)
        }
    }

    /// - Parameters:
    ///   - decoded: the record decoded, with its job's key (`nil`: not an event).
    ///   - mayReadOutput: ``PartitionOwnership/mayReadOutputPartitions``, as the batch began.
    private func process(
        _ message: KafkaMessage, _ batchDecoded: DecodingBatch.Decoded, mayReadOutput: Bool,
        in transaction: inout OpenTransaction
    ) async throws(RecordFailure) {
        let decoded = batchDecoded.record
        let jobKey = batchDecoded.key
        // Decoded once: the restore check, the replay count and the judgement share it.
        let jobID = decoded.jobID
        // Checked here first: the usual answer (nothing to read) takes no async call.
        if mayReadOutput, let jobID, ownership.outputPartitionToRead(for: jobID) != nil {
            try await ensureCurrent(jobID: jobID)
        }
        if try await isSettled(message, decoded, &transaction) { return }
        // Looked up once: the judgement, the coverage check and the table's pending entry share it.
        let last = jobKey.flatMap { table.lastPublish(of: $0, pending: transaction.pending.jobs) }
        var (outcome, keyMismatched) =
            if let jobKey {
                classifier.judge(
                    batchDecoded, of: message, last: last?.state, table: table, pending: transaction.pending.jobs)
            } else {
                classifier.judge(decoded, of: message, jobKey: nil, table: table, pending: transaction.pending.jobs)
            }
        // Built once: the size check counts them, the published record carries them.
        var headers: [KafkaHeader] = []
        if case .publish(let jobID, let bytes, _) = outcome {
            headers = sourceHeaders.headers(of: message)
            if configuration.stage == .relayOfRepartition { headers += RepartitionRecord.originHeaders(in: message) }
            if let refusal = sizeLimit.refusal(jobID: jobID, bytes: bytes, headers: headers) {
                outcome = .deadLetter(refusal)
            }
        }
        // A job's later record in the output proves this one was published or dropped; it proves
        // nothing about a dead letter (the DLQ is delivered on its own), so those need their own
        // coordinates, checked above.
        if jobKey != nil, !outcome.isDeadLetter, isCovered(message, by: last?.source) {
            transaction.counters.countReplay(of: decoded)
            return
        }
        if configuration.stage == .relayOfRepartition, let origin = RepartitionRecord.origin(of: message),
            origins.isCopy(
                origin, in: message.topicPartition, deadLetter: outcome.isDeadLetter,
                pending: &transaction.pending.origins)
        {
            transaction.counters.countReplay(of: decoded)
            return
        }
        if keyMismatched { transaction.counters.keyMismatches += 1 }
        switch outcome {
        case .publish(let jobID, let bytes, let state):
            try await publish(
                message, jobID: jobID, jobKey: jobKey ?? JobKey(jobID), bytes: bytes, state: state, headers: headers,
                &transaction)
        case .drop(let reason):
            transaction.counters.dropped[reason, default: 0] += 1
        case .deadLetter(let error):
            try await deadLetter(message, error, &transaction)
        case .tombstone:
            transaction.counters.tombstones += 1
        }
    }

    /// Whether the job's last published record (`last`, counting the open transaction's
    /// changes) came from this partition at or after `message`.
    private func isCovered(_ message: KafkaMessage, by last: SourcePosition?) -> Bool {
        if !handled.distrusted.isEmpty, handled.distrusted.contains(message.topicPartition) { return false }
        guard let last, let topic = topicIndex(of: message.topic) else { return false }
        return last.covers(topicIndex: topic, partition: message.partition, offset: message.offset)
    }

    /// Issue 24, defect 4: an input partition whose offsets went backwards (the topic deleted and
    /// recreated, or truncated) reuses coordinates, and a new record at an old record's
    /// coordinates would count as handled. Seen when a run arrives: the partition's end (from
    /// the fetch that brought the run) lies at or below an offset the output or the DLQ names.
    /// (A first record below the group's committed offset proves nothing: a broker that does not
    /// keep transactional offsets, such as the mock cluster, restarts every member from the
    /// start, and an operator may rewind the group on purpose.) Said once, with the fix; the
    /// partition's coordinates then prove nothing, and its records are judged by content.
    func checkInputOffsets(_ first: KafkaMessage) {
        let partition = first.topicPartition
        guard !handled.distrusted.contains(partition) else { return }
        let end = consumer.cachedWatermarks(for: partition).high
        guard let beyondEnd = handled.isBeyondEnd(partition, end: end) else { return }
        handled.distrust(partition)
        logger.error(
            """
            input partition \(partition) went backwards: the topic was deleted and recreated, or truncated. Its \
            old offsets are reused, so the source coordinates in the \
            output and the DLQ no longer prove which records were handled: while this instance runs, its \
            records are judged by content alone (a record already published is dropped as a duplicate; nothing is \
            skipped). If the input really was replaced, start over with a new output.topic and dlq.topic, or \
            delete their records of the old topic\(configuration.stage == .repartition ? Self.repartitionCaveat : "").
            """,
            metadata: [
                "first offset read": "\(first.offset.rawValue)", "partition end": "\(end)",
                "highest offset handled": "\(beyondEnd)",
            ])
    }

    /// With input.keying any the relay stage knows input records by their offsets too.
    static let repartitionCaveat = """
        . With input.keying any the relay stage still takes records at old offsets for copies and \
        skips them: replace the output, the DLQ and the repartition topic along with the input
        """

    private func publish(
        _ message: KafkaMessage, jobID: String, jobKey: JobKey, bytes: [UInt8], state: PublishedState,
        headers: [KafkaHeader], _ transaction: inout OpenTransaction
    ) async throws(RecordFailure) {
        // Only retention reads it: no clock read per record without it.
        let publishedAt = configuration.finishedRetention == nil ? 0 : clock.milliseconds()
        let output = KafkaOutgoingMessage(
            topic: configuration.outputTopic, key: outputKey.key(of: jobID), value: bytes,
            headers: headers,
            // With retention, the record's timestamp is "terminal since": the relay's own clock.
            timestampMilliseconds: publishedAt == 0 ? nil : publishedAt)
        do {
            let tag = transaction.tagProduced(from: message, isDeadLetter: false)
            try await send(output, tag: tag, &transaction)
        } catch  where error.isRecordRejection {
            let reason = InvalidEvent(
                .outputRejected, "the canonical record (\(bytes.count) bytes) was refused: \(error.message)")
            try await deadLetter(message, reason, &transaction)
            return
        } catch {
            throw .produce(error)
        }
        transaction.pending.jobs.recordPublish(
            jobKey, jobID: table.pendingID(of: jobID), state, source: sourcePosition(of: message),
            publishedAt: publishedAt)
        transaction.published.append((jobKey, bytes))
        let producedAt =
            configuration.stage == .relayOfRepartition
            ? RepartitionRecord.originTimestamp(of: message) : message.timestampMilliseconds
        if let timestamp = producedAt {
            transaction.oldestTimestamp = min(transaction.oldestTimestamp ?? timestamp, timestamp)
        }
        transaction.counters.published += 1
    }

    /// Dead-letters `message`; if the dead letter itself is refused (too large), sends it without
    /// its value, which the source headers still locate in the input topic.
    func deadLetter(
        _ message: KafkaMessage, _ reason: InvalidEvent, omitValueBecause: String? = nil,
        _ transaction: inout OpenTransaction
    ) async throws(RecordFailure) {
        transaction.counters.invalid[reason.reason, default: 0] += 1
        transaction.counters.deadLettered += 1
        let topic = configuration.deadLetterTopic
        var letter = DeadLetter.make(
            for: message, error: reason, topic: topic, valueOmittedBecause: omitValueBecause,
            connectHeaders: configuration.connectDeadLetterHeaders)
        if omitValueBecause == nil, defersDeadLetters(transaction),
            let tooLarge = sizeLimit.refusal(ofDeadLetter: letter)
        {
            // Deferred to the commit's start, where a refusal would cost an abort (one per letter,
            // in a row): one too large for the producer goes without its value now, as a refused
            // one would after the redo.
            letter = DeadLetter.make(
                for: message, error: reason, topic: topic, valueOmittedBecause: tooLarge,
                connectHeaders: configuration.connectDeadLetterHeaders)
        }
        do {
            let tag = transaction.tagProduced(from: message, isDeadLetter: true)
            try await sendDeadLetter(letter, tag: tag, &transaction)
        } catch  where error.isRecordRejection && omitValueBecause == nil {
            let bare = DeadLetter.make(
                for: message, error: reason, topic: topic, valueOmittedBecause: error.message,
                connectHeaders: configuration.connectDeadLetterHeaders)
            do {
                let tag = transaction.tagProduced(from: message, isDeadLetter: true)
                try await sendDeadLetter(bare, tag: tag, &transaction)
            } catch {
                throw .produce(error)
            }
        } catch {
            throw .produce(error)
        }
        logger.debug(
            "dead-lettered",
            metadata: ["source": "\(message.topicPartition)@\(message.offset)", "reason": "\(reason.reason)"])
    }

    /// Exactly-once, in a transaction that has begun, a dead letter waits for the start of its
    /// commit (``OpenTransaction/deferredDeadLetters``, which says why): a refusal then aborts the
    /// transaction, and the redo sends it without its value. Else it goes as ``send(_:tag:_:)``
    /// sends any record (held in a transaction that has not begun).
    private func sendDeadLetter(
        _ letter: KafkaOutgoingMessage, tag: Int, _ transaction: inout OpenTransaction
    ) async throws(KafkaError) {
        guard defersDeadLetters(transaction) else { return try await send(letter, tag: tag, &transaction) }
        transaction.deferDeadLetter(letter, tag: tag, slot: heldRecordSlot(letter))
    }

    /// Whether `transaction`'s dead letters wait for its commit: exactly-once, once it has begun.
    private func defersDeadLetters(_ transaction: OpenTransaction) -> Bool {
        isExactlyOnce && !transaction.holdsRecords
    }

    /// A record whose output (or dead letter) the broker refused in an aborted transaction.
    private func deadLetterRefused(
        _ message: KafkaMessage, _ decoded: RecordClassifier.DecodedRecord, _ refusal: RefusedOutput,
        _ transaction: inout OpenTransaction
    ) async throws(RecordFailure) {
        let reason: InvalidEvent
        if case .invalid(let invalid) = decoded {
            reason = invalid
        } else {
            reason = InvalidEvent(.outputRejected, "the broker refused the canonical record: \(refusal.error.message)")
        }
        let omit = refusal.deadLetterRefused ? "the broker refused the dead letter: \(refusal.error.message)" : nil
        try await deadLetter(message, reason, omitValueBecause: omit, &transaction)
    }

    /// Produces `message` in `transaction`, or holds it there until the transaction begins (a
    /// transaction judged while the one before it commits): librdkafka then refuses nothing
    /// yet, and a refusal when it is produced aborts the transaction
    /// (``RelayStateMachine/heldRecordFailed(_:tag:now:)``).
    func send(
        _ message: KafkaOutgoingMessage, tag: Int?, _ transaction: inout OpenTransaction
    ) async throws(KafkaError) {
        if transaction.hold(message, tag: tag, slot: heldRecordSlot(message)) { return }
        if try producer.trySend(message, tag: tag) { return }
        try await producer.send(message, tag: tag)
    }

    /// Where `message` sits, as the table records it.
    func sourcePosition(of message: KafkaMessage) -> SourcePosition? {
        topicIndex(of: message.topic).map {
            SourcePosition(topicIndex: $0, partition: message.partition, offset: message.offset)
        }
    }

    /// `topic`'s index in `input.topics`; the last topic asked about is kept, since a batch is
    /// mostly one topic (its name then compares equal by identity, with no hashing per record).
    func topicIndex(of topic: String) -> Int16? {
        if let last = lastTopicIndex, last.topic == topic { return last.index }
        guard let index = inputTopicIndex[topic] else { return nil }
        lastTopicIndex = (topic, index)
        return index
    }
}
