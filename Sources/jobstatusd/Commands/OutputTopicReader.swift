import ArgumentParser
import Foundation
import Kafka
import Logging
import Relay

/// Reads the compacted output topic as a downstream job monitor would:
/// read_committed, keyed by job_id, a job's records in one partition
/// (the Java client's murmur2 partitioner).
struct OutputTopicReader {
    let kafka: KafkaConfiguration
    let topic: String
    let logger: Logger
    var timeout: Duration = .seconds(10)

    func partitionCount() async throws -> Int32 {
        let metadata = try await KafkaAdmin(configuration: kafka, logger: logger).closing {
            try await $0.metadata(timeout: timeout)
        }
        guard let found = metadata.topic(topic) else {
            throw ValidationError("topic \(topic) does not exist at \(kafka.bootstrapServers ?? "?")")
        }
        return Int32(found.partitions.count)
    }

    /// A read_committed reader in a group of its own (``KafkaConfiguration/reader(groupID:isolation:reportingEnds:)``).
    /// - Parameter reportingEnds: whether polls report each partition's end (`enable.partition.eof`).
    func makeConsumer(reportingEnds: Bool = false) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: kafka.reader(
                groupID: "jobstatusd-reader-\(UUID().uuidString.prefix(8))", reportingEnds: reportingEnds),
            logger: logger)
    }

    /// The last record of `jobID` up to the partition's end: its canonical bytes, or nil (none or deleted).
    func latest(jobID: String) async throws -> [UInt8]? {
        let partitions = try await partitionCount()
        let partition = TopicPartition(
            topic, Murmur2Partitioner.partition(forKey: Array(jobID.utf8), partitionCount: partitions))
        var latest: [UInt8]? = nil
        // Only the job's partition.
        try await read([partition]) { batch in
            for message in batch where message.key.map({ $0.elementsEqual(jobID.utf8) }) == true {
                latest = message.value
            }
        }
        return latest
    }

    /// Every record of the topic, from the beginning to each partition's end.
    func readToEnd() async throws -> [KafkaMessage] {
        let partitions = try await partitionCount()
        var messages: [KafkaMessage] = []
        try await read((0..<partitions).map { TopicPartition(topic, $0) }) { messages += $0 }
        return messages
    }

    /// Reads `partitions` from the beginning up to their ends as the fetch responses report them
    /// (the last stable offset under read_committed): no wait for silence, and right on brokers
    /// whose ListOffsets is not. Fails after `timeout` without progress.
    private func read(_ partitions: [TopicPartition], _ body: ([KafkaMessage]) -> Void) async throws {
        try await makeConsumer(reportingEnds: true).closing { consumer in
            try await read(partitions, with: consumer, body)
        }
    }

    private func read(
        _ partitions: [TopicPartition], with consumer: KafkaConsumer, _ body: ([KafkaMessage]) -> Void
    ) async throws {
        try consumer.assign(partitions.map { TopicPartitionOffset($0, .beginning) })
        var remaining = Set(partitions)
        var lastProgress = ContinuousClock.now
        while !remaining.isEmpty {
            guard ContinuousClock.now - lastProgress < timeout else {
                throw ValidationError("\(remaining.sorted()) not read to the end: no progress for \(timeout)")
            }
            switch await consumer.poll(maxMessages: 5000, timeout: .seconds(1)) {
            case .messages(let batch):
                guard !batch.isEmpty else { continue }
                lastProgress = .now
                body(batch)
            case .endOfPartition(let end):
                remaining.remove(end.topicPartition)
                lastProgress = .now
            case .error(let error) where error.isFatal:
                throw error
            case .error, .rebalance:
                continue
            }
        }
    }
}
