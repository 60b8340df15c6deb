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

    /// A read_committed reader in a group of its own, for a command that follows the topic
    /// (``KafkaConfiguration/reader(groupID:isolation:reportingEnds:)``).
    func makeConsumer() throws -> KafkaConsumer {
        try KafkaConsumer(configuration: kafka.reader(groupID: Self.groupID(), reportingEnds: false), logger: logger)
    }

    /// A group of the reader's own.
    private static func groupID() -> String {
        "jobstatusd-reader-\(UUID().uuidString.prefix(8))"
    }

    /// The last record of `jobID` up to the partition's end: its canonical bytes, or nil (none or deleted).
    func latest(jobID: String) async throws -> [UInt8]? {
        let partitions = try await partitionCount()
        let partition = TopicPartition(
            topic, Murmur2Partitioner.partition(forKey: Array(jobID.utf8), partitionCount: partitions))
        var latest: [UInt8]? = nil
        // Only the job's partition.
        try await read([partition]) { message in
            if message.key.map({ $0.elementsEqual(jobID.utf8) }) == true { latest = message.value }
        }
        return latest
    }

    /// Every record of the topic, from the beginning to each partition's end.
    func readToEnd() async throws -> [KafkaMessage] {
        let partitions = try await partitionCount()
        var messages: [KafkaMessage] = []
        try await read(KafkaPartition.all(count: partitions).map { TopicPartition(topic, $0) }) { messages.append($0) }
        return messages
    }

    /// Reads `partitions` from the beginning to their end by ``PartitionEndReader``'s rule (the
    /// end fetch responses report, the last stable offset under read_committed): no wait for
    /// silence, and right on brokers whose ListOffsets is not. Fails after `timeout` without
    /// progress.
    private func read(_ partitions: [TopicPartition], _ apply: (KafkaMessage) -> Void) async throws {
        let reader = try PartitionEndReader(configuration: kafka, groupID: Self.groupID(), logger: logger)
        do {
            _ = try await reader.readToEnd(partitions, limit: .stall(timeout), apply: apply)
        } catch {
            await reader.close()
            switch error {
            case .kafka(let error):
                throw error
            case .timedOut(let unfinished):
                throw ValidationError(
                    "\(unfinished.map(\.partition)) not read to the end: no progress for \(timeout)")
            case .stopped:
                throw CancellationError()
            }
        }
        await reader.close()
    }
}
