import Kafka

/// The next poll, started as a batch arrives: the consumer's thread takes the next records out of
/// librdkafka, and the pool starts decoding them, while the relay judges the batch it has.
/// Issue 26's relay spent about a seventh of its time after READY waiting for its poll and a
/// fifth waiting for the first records of each batch to decode, with a core idle.
///
/// The poll takes what librdkafka already holds and does not wait for more (a zero timeout):
/// the relay's own poll after it still waits for records as long as the next commit allows,
/// so a quiet input commits on time. One poll is out at a time: the loop takes this one before
/// it polls again, and ``dropPollAhead()`` ends it before the consumer leaves or closes.
extension RelayLoop {
    /// Starts the next poll (with a batch of records in hand, before judging it).
    func startPollAhead() {
        guard pollAhead == nil, !relay.isStopRequested else { return }
        let classifier = classifier
        // Submitted here, before the batch's judgement can rewind: a seek from here on runs
        // after this poll, so what it reads of a rewound partition is dropped.
        let poll = consumer.startPoll(maxMessages: Self.pollBatchSize, timeout: .zero)
        rewound = []
        pollAhead = Task {
            let event = await poll.event()
            guard case .messages(let batch) = event, !batch.isEmpty else { return (event, nil) }
            return (event, DecodingBatch(batch, classifier: classifier))
        }
    }

    /// The poll started ahead, unless it found nothing; its records' decoding is kept for
    /// ``decoding(of:)``. Pass it through ``droppingRewound(_:)`` before judging it.
    func takePollAhead() async -> KafkaConsumerEvent? {
        guard let ahead = pollAhead else { return nil }
        pollAhead = nil
        let (event, decoding) = await ahead.value
        if case .messages(let batch) = event, batch.isEmpty { return nil }
        predecoded = decoding
        return event
    }

    /// `event` without the records of partitions an abort rewound since the poll that read them
    /// started (they lie before the seek, and are read again from it), or `nil` when no record
    /// is left. A batch that loses records loses its decoding started ahead.
    func droppingRewound(_ event: KafkaConsumerEvent) -> KafkaConsumerEvent? {
        guard case .messages(let batch) = event else { return event }
        guard !rewound.isEmpty, batch.contains(where: { rewound.contains($0.topicPartition) }) else {
            return batch.isEmpty ? nil : event
        }
        predecoded = nil
        let kept = batch.filter { !rewound.contains($0.topicPartition) }
        return kept.isEmpty ? nil : .messages(kept)
    }

    /// The decoding of `batch`: the one started ahead when it is this batch's, else one started now.
    func decoding(of batch: [KafkaMessage]) -> DecodingBatch {
        defer { predecoded = nil }
        if let predecoded, predecoded.isDecoding(batch) { return predecoded }
        return DecodingBatch(batch, classifier: classifier)
    }

    /// Ends a poll started ahead, before the consumer leaves the group or closes. Its records
    /// are not processed: their offsets are not committed, and the next owner reads them.
    func dropPollAhead() async {
        guard let ahead = pollAhead else { return }
        pollAhead = nil
        predecoded = nil
        ahead.cancel()
        _ = await ahead.value
    }
}
