import JobStatus
import Kafka
import Logging

/// Catches the dedup table up from the output topic (and the dead-letter
/// memory up from the DLQ) by reading them read_committed up to their last
/// stable offset. It remembers how far each partition was read, so a later
/// restore (after a rebalance) only reads the tail.
///
/// The end of a partition is its high watermark as a read_committed reader
/// sees it (the last stable offset). The reader's position is compared with
/// it, not the last record's offset, because transaction markers take
/// offsets that are never delivered. Reading then goes on until the topic is
/// idle for a moment, because some brokers (tansu) under-report "latest"; a
/// partition that stays silent for ``quietLimit`` below its end is taken as
/// read (and logged), since only markers can be left there.
final class OutputRestorer {
    private let reader: KafkaConsumer
    private let logger: Logger
    private let timeout: Duration
    private var nextOffset: [TopicPartition: KafkaOffset] = [:]
    private let idleAfterEnd: Duration = .milliseconds(200)
    private let quietLimit: Duration = .seconds(3)

    init(kafka: KafkaConfiguration, group: String, logger: Logger, timeout: Duration) throws(KafkaError) {
        var configuration = kafka
        configuration["group.id"] = "\(group)-restore"
        configuration["isolation.level"] = "read_committed"
        configuration["enable.auto.commit"] = "false"
        configuration["enable.auto.offset.store"] = "false"
        configuration["auto.offset.reset"] = "earliest"
        reader = try KafkaConsumer(configuration: configuration, logger: logger)
        self.logger = logger
        self.timeout = timeout
    }

    func close() async {
        await reader.close()
    }

    /// Reads `partitions` from where the last restore stopped to their end, handing each record to `apply`.
    /// - Returns: the number of records read.
    /// - Parameter progress: called after every poll (the relay's watchdog heartbeat).
    func catchUp(
        _ partitions: [TopicPartition], progress: () -> Void = {}, apply: (KafkaMessage) -> Void
    ) async throws(KafkaError) -> Int {
        guard !partitions.isEmpty else { return 0 }
        var ends: [TopicPartition: Int64] = [:]
        for partition in partitions {
            ends[partition] = try await reader.watermarks(for: partition, timeout: timeout).high.rawValue
        }
        try reader.assign(partitions.map { TopicPartitionOffset($0, nextOffset[$0] ?? .beginning) })
        var count = 0
        var reachedEnd = partitions.allSatisfy { partition in
            (nextOffset[partition]?.rawValue ?? 0) >= (ends[partition] ?? 0)
        }
        while true {
            let event = await reader.poll(maxMessages: 5000, timeout: reachedEnd ? idleAfterEnd : quietLimit)
            progress()
            switch event {
            case .messages(let batch):
                for message in batch {
                    apply(message)
                    nextOffset[message.topicPartition] = KafkaOffset(rawValue: message.offset.rawValue + 1)
                }
                count += batch.count
                if !reachedEnd {
                    reachedEnd = try positionsReached(ends)
                }
                if batch.isEmpty {
                    if !reachedEnd {
                        logger.info(
                            "restore: partitions quiet below their end (only transaction markers left?)",
                            metadata: ["ends": "\(ends)", "read": "\(nextOffset)"])
                    }
                    return count
                }
            case .error(let error):
                if error.isFatal { throw error }
                logger.debug("restore reader error", metadata: ["error": "\(error)"])
            case .rebalance:
                continue
            }
        }
    }

    /// Whether the reader's position in every partition is at or past `ends`.
    private func positionsReached(_ ends: [TopicPartition: Int64]) throws(KafkaError) -> Bool {
        let positions = try reader.position(Array(ends.keys))
        for position in positions {
            let read = max(position.offset.rawValue, nextOffset[position.topicPartition]?.rawValue ?? 0)
            if read < (ends[position.topicPartition] ?? 0) { return false }
        }
        return true
    }
}
