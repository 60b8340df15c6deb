import Foundation
import Kafka
import Logging

/// The broker a test talks to: librdkafka's mock cluster started in-process by
/// default, or the external cluster named by `KAFKA_BOOTSTRAP`. Either way the
/// clients speak the Kafka protocol over TCP.
struct TestCluster: Sendable {
    let bootstrapServers: String
    /// Set when the cluster is the in-process mock (fault injection available).
    let mock: MockCluster?
    let logger: Logger

    /// `KAFKA_BOOTSTRAP` if set, else a new 3-broker mock cluster.
    static func start(brokers: Int = 3) throws -> TestCluster {
        let logger = TestLogging.logger("kafka-test")
        if let external = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP"], !external.isEmpty {
            return TestCluster(bootstrapServers: external, mock: nil, logger: logger)
        }
        let mock = try MockCluster(brokers: brokers, logger: logger)
        return TestCluster(bootstrapServers: mock.bootstrapServers, mock: mock, logger: logger)
    }

    /// Whether tests run against an external broker.
    static var isExternal: Bool {
        !(ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP"] ?? "").isEmpty
    }

    /// A topic name no other test uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a topic (mock API on the mock, CreateTopics elsewhere).
    func createTopic(_ name: String, partitions: Int32, configs: [String: String] = [:]) async throws {
        if let mock {
            try mock.createTopic(name, partitions: partitions, replicationFactor: 1)
            return
        }
        let admin = try KafkaAdmin(configuration: configuration(), logger: logger)
        defer { Task { await admin.close() } }
        try await admin.createTopic(
            KafkaTopicSpecification(name: name, partitions: partitions, replicationFactor: 1, configs: configs),
            timeout: .seconds(10))
    }

    /// Base client properties for this cluster.
    func configuration(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(extra)
        configuration.bootstrapServers = bootstrapServers
        return configuration
    }

    /// Consumer-group settings the mock cluster needs (brokers.md: heartbeat <= 2000 never joins).
    func consumerConfiguration(group: String, _ extra: [String: String] = [:]) -> KafkaConfiguration {
        configuration(
            [
                "group.id": group, "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000",
                "auto.offset.reset": "earliest", "enable.auto.commit": "false",
            ].merging(extra) { $1 })
    }

    /// Produces and flushes messages, failing if any was not delivered.
    func produce(_ messages: [KafkaOutgoingMessage], extra: [String: String] = [:]) async throws {
        let producer = try KafkaProducer(
            configuration: configuration(["enable.idempotence": "true", "linger.ms": "5"].merging(extra) { $1 }),
            logger: logger)
        for message in messages {
            try await producer.send(message)
        }
        try await producer.flush(timeout: .seconds(30))
        let report = producer.takeDeliveryReport()
        await producer.close()
        guard report.isSuccess, report.delivered == messages.count else {
            throw TestFailure("delivery: \(report)")
        }
    }

    /// Reads partitions from the beginning until `count` records arrived or `idle` passed with none.
    func readAll(
        _ partitions: [TopicPartition], count: Int, idle: Duration = .seconds(5), extra: [String: String] = [:]
    ) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: configuration(["group.id": TestCluster.uniqueName("reader")].merging(extra) { $1 }),
            logger: logger)
        try consumer.assign(partitions.map { TopicPartitionOffset($0, .beginning) })
        var messages: [KafkaMessage] = []
        while messages.count < count {
            switch await consumer.poll(maxMessages: 1000, timeout: idle) {
            case .messages(let batch):
                if batch.isEmpty {
                    await consumer.close()
                    return messages
                }
                messages += batch
            case .error(let error):
                if error.isFatal { throw error }
            case .rebalance, .endOfPartition:
                break
            }
        }
        await consumer.close()
        return messages
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum TestLogging {
    /// A logger that prints warnings and worse (set `TEST_LOG_LEVEL=debug` for more).
    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        let level = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .warning
        return logger
    }
}
