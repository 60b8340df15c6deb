import Kafka
import TestSupport

/// Reads as a group member the way the relay does: process a batch, commit it,
/// and on a revoke commit what was processed *before* polling again (which is
/// when the consumer applies the revoke).
actor GroupReader {
    let consumer: KafkaConsumer
    private(set) var seen: [KafkaMessage] = []
    private(set) var rebalances: [KafkaRebalance] = []
    private var processed: [TopicPartition: KafkaOffset] = [:]
    /// Commits refused because the group was rebalancing; their records may be read again by the next owner.
    private(set) var retriableCommitFailures = 0
    /// Per partition owned now, the records read since the last commit that succeeded.
    private var uncommitted: [TopicPartition: [KafkaMessage]] = [:]
    /// Records this member read and gave up (a revoke, a lost partition) without a commit that
    /// covers them: the next owner reads them again, and only these may be read twice.
    private(set) var releasedUncommitted: [KafkaMessage] = []

    init(consumer: KafkaConsumer) {
        self.consumer = consumer
    }

    /// Reads until `stop()` (given the records of each poll, empty when it timed out) says so,
    /// or `deadline` passes. An empty poll does not end the run: a member whose partitions are
    /// being moved, or that has not been assigned any yet, sees nothing for a while.
    /// - Parameter pace: a pause after each batch, to keep a slow member busy while the group changes.
    func run(
        deadline: Duration = .seconds(60), batchSize: Int = 50, pace: Duration = .zero,
        stop: @Sendable ([KafkaMessage]) async -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        var lastBatch: [KafkaMessage] = []
        while !(await stop(lastBatch)), clock.now < end {
            lastBatch = []
            switch await consumer.poll(maxMessages: batchSize, timeout: .milliseconds(500)) {
            case .messages(let batch):
                guard !batch.isEmpty else { continue }
                if pace > .zero { try await Task.sleep(for: pace) }
                seen += batch
                lastBatch = batch
                for message in batch {
                    processed[message.topicPartition] = KafkaOffset(rawValue: message.offset.rawValue + 1)
                    uncommitted[message.topicPartition, default: []].append(message)
                }
                try await commitProcessed()
            case .rebalance(let rebalance):
                rebalances.append(rebalance)
                if rebalance.kind == .revoke { try await commitProcessed() }
                if rebalance.kind != .assign {
                    for partition in rebalance.partitions {
                        processed[partition] = nil
                        releasedUncommitted += uncommitted.removeValue(forKey: partition) ?? []
                    }
                }
            case .error(let error):
                if error.isFatal { throw error }
            case .endOfPartition:
                break
            }
        }
    }

    /// Whether this member has been given at least one partition.
    var hasBeenAssignedPartitions: Bool {
        rebalances.contains { $0.kind == .assign && !$0.partitions.isEmpty }
    }

    /// A retriable failure (a rebalance has begun) keeps the offsets for the commit at the revoke.
    private func commitProcessed() async throws {
        guard !processed.isEmpty else { return }
        do {
            try await consumer.commit(processed.map { TopicPartitionOffset($0.key, $0.value) })
            uncommitted = [:]
        } catch {
            let rebalanceCodes: [KafkaError.Code] = [.rebalanceInProgress, .illegalGeneration, .unknownMemberID]
            guard error.isRetriable || rebalanceCodes.contains(error.code) else { throw error }
            retriableCommitFailures += 1
        }
    }
}
