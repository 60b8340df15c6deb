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
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        defer { Task { await admin.close() } }
        let metadata = try await admin.metadata(timeout: timeout)
        guard let found = metadata.topic(topic) else {
            throw ValidationError("topic \(topic) does not exist at \(kafka.bootstrapServers ?? "?")")
        }
        return Int32(found.partitions.count)
    }

    func makeConsumer() throws -> KafkaConsumer {
        var configuration = kafka
        configuration["group.id"] = "jobstatusd-reader-\(UUID().uuidString.prefix(8))"
        configuration["isolation.level"] = "read_committed"
        configuration["enable.auto.commit"] = "false"
        configuration["enable.auto.offset.store"] = "false"
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }

    /// The last record of `jobID` up to the partition's end: its canonical bytes, or nil (none or deleted).
    func latest(jobID: String) async throws -> [UInt8]? {
        let partitions = try await partitionCount()
        let partition = TopicPartition(
            topic, Murmur2Partitioner.partition(forKey: Array(jobID.utf8), partitionCount: partitions))
        let consumer = try makeConsumer()
        defer { Task { await consumer.close() } }
        let end = try await consumer.watermarks(for: partition, timeout: timeout).high.rawValue
        try consumer.assign([TopicPartitionOffset(partition, .beginning)])
        var latest: [UInt8]? = nil
        var next: Int64 = 0
        while true {
            let idle: Duration = next >= end ? .milliseconds(300) : .seconds(3)
            guard case .messages(let batch) = await consumer.poll(maxMessages: 5000, timeout: idle) else { continue }
            if batch.isEmpty { return latest }
            for message in batch {
                next = message.offset.rawValue + 1
                if message.key.map({ $0.elementsEqual(jobID.utf8) }) == true { latest = message.value }
            }
        }
    }
}
