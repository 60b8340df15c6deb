import CRdKafkaBaseline
import Foundation
import Kafka
import Logging
import TestSupport

/// The Kafka layer against librdkafka itself: the same records, the same mock
/// cluster, in the same run. scripts/bench prints the ratios (target >= 0.9).
///
/// The mock keeps about 5 MiB per partition, so the records are spread over
/// many partitions.
public let records = Int(ProcessInfo.processInfo.environment["BENCH_RECORDS"] ?? "") ?? 1_000_000
public let partitions: Int32 = 64

/// Consumer settings both paths share. librdkafka 2.0.2 stops fetching a partition for a
/// fixed second whenever the local queue holds `queued.min.messages` (100,000) or
/// `queued.max.messages.kbytes`; a reader faster than the mock then waits on that timer,
/// and the comparison measures how often each path happens to hit it (swings of 1 to 3 s
/// either way at 1M records). Raised limits keep the fetcher going for both.
public let consumerSettings: [(String, String)] = [
    ("enable.auto.commit", "false"),
    ("queued.min.messages", "10000000"),
    ("queued.max.messages.kbytes", "1048576"),
]
public let value = Array(
    #"{"job_id":"job-000123","status":"RUNNING","status_msg":"job is actively running","n":1}"#.utf8)

/// The shared fixture of KafkaBenchmarks and KafkaThroughput: the tests' broker fixture
/// (one in-process mock broker) holding the records.
public final class Fixture: Sendable {
    public static let shared = Fixture()
    public let topic = "bench-consume"
    let broker: TestBroker
    var logger: Logger { broker.logger }

    private init() {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let topics = [topic, "bench-produce-raw", "bench-produce-swift"]
        do {
            broker = try TestBroker.mock(
                brokers: 1, topics: Dictionary(uniqueKeysWithValues: topics.map { ($0, partitions) }), logger: logger)
        } catch {
            fatalError("mock cluster: \(error)")
        }
        rawProduce(topic: topic, count: records)
    }

    /// Produces `count` records with the plain C API.
    public func rawProduce(topic: String, count: Int) {
        let conf = rd_kafka_conf_new()
        rd_kafka_conf_set(conf, "bootstrap.servers", broker.bootstrapServers, nil, 0)
        rd_kafka_conf_set(conf, "linger.ms", "5", nil, 0)
        rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", nil, 0)
        let producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, nil, 0)
        for index in 0..<count {
            // Distinct keys spread the records over every partition (the mock keeps ~5 MiB each).
            let keyBytes = Array("job-\(index)".utf8)
            while baseline_produce(producer, topic, keyBytes, keyBytes.count, value, value.count)
                == RD_KAFKA_RESP_ERR__QUEUE_FULL
            {
                rd_kafka_poll(producer, 10)
            }
            rd_kafka_poll(producer, 0)
        }
        rd_kafka_flush(producer, 60_000)
        rd_kafka_destroy(producer)
    }

    /// Consumes every record with a plain rd_kafka_consumer_poll loop.
    public func rawConsume() -> Int {
        let conf = rd_kafka_conf_new()
        rd_kafka_conf_set(conf, "bootstrap.servers", broker.bootstrapServers, nil, 0)
        rd_kafka_conf_set(conf, "group.id", "raw-\(UUID())", nil, 0)
        for (name, value) in consumerSettings { rd_kafka_conf_set(conf, name, value, nil, 0) }
        let consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, nil, 0)
        rd_kafka_poll_set_consumer(consumer)
        let list = rd_kafka_topic_partition_list_new(partitions)
        for partition in 0..<partitions {
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
        }
        rd_kafka_assign(consumer, list)
        rd_kafka_topic_partition_list_destroy(list)
        var count = 0
        var bytes = 0
        while count < records {
            guard let message = rd_kafka_consumer_poll(consumer, 1000) else { continue }
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                count += 1
                bytes += message.pointee.len
            }
            rd_kafka_message_destroy(message)
        }
        rd_kafka_consumer_close(consumer)
        rd_kafka_destroy(consumer)
        precondition(bytes > 0)
        return count
    }

    /// Consumes every record through the Kafka layer (batches, payload copies).
    public func swiftConsume() async throws -> Int {
        var configuration = broker.configuration(["group.id": "swift-\(UUID())"])
        for (name, value) in consumerSettings { configuration[name] = value }
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try consumer.assign(
            KafkaPartition.all(count: partitions).map { TopicPartitionOffset(TopicPartition(topic, $0), .beginning) })
        var count = 0
        var bytes = 0
        while count < records {
            if case .messages(let batch) = await consumer.poll(maxMessages: 10_000, timeout: .seconds(1)) {
                count += batch.count
                for message in batch { bytes += message.valueCount ?? 0 }
            }
        }
        await consumer.close()
        precondition(bytes > 0)
        return count
    }

    public func swiftProduce(count: Int) async throws {
        let configuration = broker.configuration(["linger.ms": "5", "queue.buffering.max.messages": "1000000"])
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        for index in 0..<count {
            let keyBytes = Array("job-\(index)".utf8)
            try await producer.send(KafkaOutgoingMessage(topic: "bench-produce-swift", key: keyBytes, value: value))
        }
        try await producer.flush(timeout: .seconds(60))
        await producer.close()
    }
}
