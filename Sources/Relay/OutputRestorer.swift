public import Kafka
import Logging

/// Reads output and dead-letter partitions, `read_committed`, up to their end as it
/// stands when the read starts, and remembers how far it read each one, so a later
/// restore (after a rebalance) reads only the tail.
///
/// "The end" comes from fetch responses, never from ListOffsets (wrong on tansu,
/// `brokers.md`) and never from silence (which never comes while others write, and
/// comes early when a fetch stalls): a partition is read when librdkafka reports its
/// end (partition EOF, `enable.partition.eof=true`) or when the reader's position
/// reaches the end that the first fetch response of this read that carried records
/// reported (the watermark librdkafka caches; under `read_committed` the last stable
/// offset; a cache from an earlier read is never trusted). Records
/// produced after that first response need not be waited for: they belong to
/// transactions the relay will see as input effects anyway. A read that does not finish
/// by its deadline fails, naming the partitions and how far each got.
final class OutputRestorer {
    private let reader: KafkaConsumer
    private let logger: Logger
    /// The next offset to read per partition (absent: from the beginning).
    private var positions: [TopicPartition: KafkaOffset] = [:]

    /// - Parameter group: the relay's group: the reader's group is `<group>-restore` (it only
    ///   assigns partitions, and never commits). `groupID` names it outright instead.
    init(kafka: KafkaConfiguration, group: String, groupID: String? = nil, logger: Logger) throws(KafkaError) {
        reader = try KafkaConsumer(
            configuration: kafka.reader(groupID: groupID ?? "\(group)-restore", reportingEnds: true), logger: logger)
        self.logger = logger
    }

    /// Asks for the cluster's metadata through the reader, so the first restore finds the
    /// leaders of the output and DLQ partitions known (otherwise each partition first waits
    /// for a metadata refresh, about a second). It waits at most `timeout` (an unreachable
    /// broker delays the start by that much); a failure only loses the head start.
    func warmUp(timeout: Duration) async {
        do {
            _ = try await reader.metadata(timeout: timeout)
        } catch {
            logger.debug("restore reader: metadata warm-up failed", metadata: ["error": "\(error)"])
        }
    }

    func close() async {
        await reader.close()
    }

    /// The next records after those read, for a reader that follows the topic past the end it
    /// read to (the monitor): a poll of the same reader, from where the reads stopped.
    func follow(timeout: Duration) async -> KafkaConsumerEvent {
        await reader.poll(maxMessages: 5000, timeout: timeout)
    }

    /// Where the reader stands against the end the last fetch reported, summed over `partitions`:
    /// records known to be there and not read yet (0 when no fetch has reported an end).
    func unread(_ partitions: [TopicPartition]) -> Int64 {
        partitions.reduce(0) { total, partition in
            let high = reader.cachedWatermarks(for: partition).high.rawValue
            let next = positions[partition]?.rawValue ?? 0
            return total + (high >= 0 ? max(0, high - next) : 0)
        }
    }

    /// Asks the cluster for its metadata: whether a broker answers within `timeout`.
    func reachesABroker(timeout: Duration) async -> Bool {
        (try? await reader.metadata(timeout: timeout)) != nil
    }

    /// Notes records read by ``follow(timeout:)``, so that ``unread(_:)`` stays right.
    func noteFollowed(_ message: KafkaMessage) {
        positions[message.topicPartition] = KafkaOffset(rawValue: message.offset.rawValue + 1)
    }

    /// Notes a partition's end reported by ``follow(timeout:)``: under read_committed it lies
    /// past the last transaction's commit marker, which no record reaches.
    func noteEnd(_ end: TopicPartitionOffset) {
        let read = max(positions[end.topicPartition]?.rawValue ?? 0, end.offset.rawValue)
        positions[end.topicPartition] = KafkaOffset(rawValue: read)
    }

    /// Forgets how far these partitions were read: the next read starts at their beginning.
    func forget(_ partitions: some Sequence<TopicPartition>) {
        for partition in partitions { positions[partition] = nil }
    }

    /// Reads `partitions` from where the last read stopped to their end, handing each record to `apply`.
    /// - Parameters:
    ///   - deadline: when to give up with ``RestoreTimeout``.
    ///   - progress: called after every poll (the relay's watchdog heartbeat).
    ///   - isStopped: asked before every poll; once it says yes the read ends with
    ///     ``RestoreFailure/stopped`` (a stop request must not wait for a long restore, and a
    ///     cancelled task's polls return at once, so the loop would spin to its deadline).
    /// - Returns: the number of records read.
    func catchUp(
        _ partitions: [TopicPartition], deadline: ContinuousClock.Instant, progress: () -> Void = {},
        isStopped: () -> Bool = { Task.isCancelled }, apply: (KafkaMessage) -> Void
    ) async throws(RestoreFailure) -> Int {
        guard !partitions.isEmpty else { return 0 }
        do {
            try reader.assign(partitions.map { TopicPartitionOffset($0, positions[$0] ?? .beginning) })
        } catch {
            throw .kafka(error)
        }
        var remaining = Set(partitions)
        var ends: [TopicPartition: Int64] = [:]
        var count = 0
        while !remaining.isEmpty {
            if isStopped() { throw .stopped }
            let now = ContinuousClock.now
            guard now < deadline else {
                throw .timedOut(
                    remaining.sorted().map {
                        RestoreFailure.Unfinished(partition: $0, next: positions[$0]?.rawValue ?? 0, end: ends[$0])
                    })
            }
            let event = await reader.poll(maxMessages: 5000, timeout: min(.seconds(1), deadline - now))
            progress()
            switch event {
            case .messages(let batch):
                for message in batch {
                    apply(message)
                    positions[message.topicPartition] = KafkaOffset(rawValue: message.offset.rawValue + 1)
                    if ends[message.topicPartition] == nil {
                        // The fetch response that brought this record also brought the end.
                        let high = reader.cachedWatermarks(for: message.topicPartition).high.rawValue
                        if high >= 0 { ends[message.topicPartition] = high }
                        logger.debug(
                            "restore: end from the fetch response",
                            metadata: ["partition": "\(message.topicPartition)", "end": "\(high)"])
                    }
                }
                count += batch.count
            case .endOfPartition(let end):
                noteEnd(end)
                remaining.remove(end.topicPartition)
                logger.debug("restore: end of partition", metadata: ["partition": "\(end)"])
            case .error(let error):
                if error.isFatal { throw .kafka(error) }
                logger.debug("restore reader error", metadata: ["error": "\(error)"])
            case .rebalance:
                continue
            }
            for partition in remaining {
                if let end = ends[partition], (positions[partition]?.rawValue ?? 0) >= end {
                    remaining.remove(partition)
                }
            }
        }
        return count
    }
}

/// Why a read to the end (a restore, or ``TopicFollower/readToEnd(deadline:isStopped:apply:)``) failed.
public enum RestoreFailure: Error, Equatable, CustomStringConvertible {
    /// A partition a restore did not read to its end in time.
    public struct Unfinished: Equatable, Sendable {
        /// The partition.
        public var partition: TopicPartition
        /// The next offset the read would have returned.
        public var next: Int64
        /// The partition's end, if the read learned it.
        public var end: Int64?
    }

    /// A Kafka call of the read failed.
    case kafka(KafkaError)
    /// The partitions not read to their end in time.
    case timedOut([Unfinished])
    /// The relay was asked to stop (or its task was cancelled) before the read finished.
    case stopped

    /// One line for logs and errors; a timeout names each unfinished partition, where it stood and its
    /// end.
    public var description: String {
        switch self {
        case .kafka(let error):
            "\(error)"
        case .stopped:
            "stopped before the end: the relay is shutting down"
        case .timedOut(let partitions):
            "not read to the end in time: "
                + partitions.map { "\($0.partition) at \($0.next) of \($0.end.map(String.init) ?? "unknown end")" }
                .joined(separator: ", ")
        }
    }
}
