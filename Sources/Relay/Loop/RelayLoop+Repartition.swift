import JobStatus
import Kafka

extension RelayLoop {
    /// The first stage of `input.keying: any`: each input record of the batch is re-keyed by
    /// its job_id into the repartition topic (``RepartitionRecord``), or dead-lettered when it
    /// does not decode; an input tombstone is counted and dropped. The decoder is the relay
    /// stage's, so what passes here decodes there, and a dead letter carries the input record's
    /// own key, headers and coordinates. All of it in the open transaction, with the input
    /// offsets: the repartition topic holds each input record once for `read_committed` readers.
    func repartition(_ batch: [KafkaMessage]) async -> RelayStateMachine.Action {
        var transaction = machine.startProcessing()
        var decoding = decoding(of: batch)
        let decoded = await decoding.all()
        do throws(RecordFailure) {
            for run in batch.partitionRuns where ownership.assigned.contains(batch[run.lowerBound].topicPartition) {
                checkInputOffsets(batch[run.lowerBound])
                for index in run { try await rekey(batch[index], decoded[index], &transaction) }
                transaction.consumed(batch[run])
            }
        } catch {
            return batchFailed(error, transaction)
        }
        return machine.processed(transaction, now: .now)
    }

    private func rekey(
        _ message: KafkaMessage, _ decoded: RecordClassifier.DecodedRecord, _ transaction: inout OpenTransaction
    ) async throws(RecordFailure) {
        // The DLQ's evidence, from the restore: a replay (brokers that do not keep transactional
        // offsets restart the group from the start) does not write a dead letter twice.
        if try await isSettled(message, decoded, &transaction) { return }
        switch decoded {
        case .tombstone:
            transaction.counters.tombstones += 1
        case .invalid(let reason):
            try await deadLetter(message, reason, &transaction)
        case .status(let event, _):
            try await forward(message, jobID: event.jobID, &transaction)
        }
    }

    private func forward(
        _ message: KafkaMessage, jobID: String, _ transaction: inout OpenTransaction
    ) async throws(RecordFailure) {
        let record = RepartitionRecord.make(from: message, jobID: jobID, topic: configuration.outputTopic)
        do {
            let tag = transaction.tagProduced(from: message, isDeadLetter: false)
            try await send(record, tag: tag, &transaction)
        } catch  where error.isRecordRejection {
            let reason = InvalidEvent(.outputRejected, "the re-keyed record was refused: \(error.message)")
            try await deadLetter(message, reason, &transaction)
            return
        } catch {
            throw .produce(error)
        }
        transaction.counters.published += 1
    }
}
