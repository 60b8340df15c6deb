public import Kafka
public import Logging

/// Reads every partition of a topic `read_committed` to its end as it stands, by the restore's
/// rule (``PartitionEndReader``: the end comes from fetch responses, never from silence), then
/// follows it: the reader a downstream consumer of the compacted output topic needs (the
/// monitor), with the same end rule as the relay's own restore.
///
/// One task owns a follower: it is not `Sendable`.
public final class TopicFollower {
    /// The topic's partitions, as given.
    public let partitions: [TopicPartition]
    private let reader: PartitionEndReader

    /// A reader in a group of its own (it assigns partitions and never commits).
    public init(kafka: KafkaConfiguration, topic: String, partitions: Int32, logger: Logger) throws(KafkaError) {
        self.partitions = KafkaPartition.all(count: partitions).map { TopicPartition(topic, $0) }
        reader = try PartitionEndReader(
            configuration: kafka, groupID: "jobstatusd-follower-\(UInt64.random(in: 0...UInt64.max))", logger: logger)
    }

    /// Reads every partition from the beginning to its end, handing each record to `apply`;
    /// returns the number of records read. Throws ``ReadToEndFailure`` when it does not finish
    /// by `deadline` or `isStopped` says so.
    /// - Parameter progress: called after every poll (about once a second at most apart).
    public func readToEnd(
        deadline: ContinuousClock.Instant, progress: () -> Void = {}, isStopped: () -> Bool = { Task.isCancelled },
        apply: (KafkaMessage) -> Void
    ) async throws(ReadToEndFailure) -> Int {
        // The partitions' leaders known before the read, as the relay's restore does: otherwise
        // each partition waits for a metadata refresh first (about a second).
        await reader.warmUp(timeout: min(.seconds(5), max(.zero, deadline - .now)))
        return try await reader.readToEnd(
            partitions, limit: .deadline(deadline), progress: progress, isStopped: isStopped, apply: apply)
    }

    /// The next event after what was read: records (empty when `timeout` passed), or an error.
    public func next(timeout: Duration) async -> KafkaConsumerEvent {
        await reader.next(timeout: timeout)
    }

    /// Records the brokers' last fetch responses say are there and not read yet.
    public var unread: Int64 { reader.unread(partitions) }

    /// Whether a broker answers a metadata request within `timeout`.
    public func reachesABroker(timeout: Duration) async -> Bool {
        await reader.reachesABroker(timeout: timeout)
    }

    /// Leaves the reader's group and closes it.
    public func close() async {
        await reader.close()
    }
}
