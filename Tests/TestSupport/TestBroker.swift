import Foundation
public import Kafka
public import Logging

/// The broker a test or benchmark talks to, over TCP: librdkafka's mock cluster
/// started in-process by default, or an external broker (`KAFKA_BOOTSTRAP`, or
/// tansu's `TANSU_BOOTSTRAP` for the suites that need an independent broker).
///
/// One fixture for every target, so that topic creation, producing and reading
/// to the end under read_committed are written (and fixed) once.
public struct TestBroker: Sendable {
    /// Where clients connect.
    public let bootstrapServers: String
    /// The in-process mock cluster, when that is the broker (fault injection is available).
    public let mock: MockCluster?
    /// Warnings and worse by default; `TEST_LOG_LEVEL=debug` for more.
    public let logger: Logger

    /// `KAFKA_BOOTSTRAP` if set, else a new mock cluster of `brokers` brokers.
    public static func start(brokers: Int = 3, label: String = "kafka-test") throws -> TestBroker {
        if let external = environment("KAFKA_BOOTSTRAP") {
            return TestBroker(bootstrapServers: external, mock: nil, logger: TestLogging.logger(label))
        }
        return try mock(brokers: brokers, label: label)
    }

    /// A new in-process mock cluster, whatever the environment says, with `topics` (name to
    /// partition count) created through the mock's own API.
    public static func mock(
        brokers: Int = 3, topics: [String: Int32] = [:], label: String = "kafka-test", logger: Logger? = nil
    ) throws -> TestBroker {
        let logger = logger ?? TestLogging.logger(label)
        let cluster = try MockCluster(brokers: brokers, logger: logger)
        for (name, partitions) in topics.sorted(by: { $0.key < $1.key }) {
            try cluster.createTopic(name, partitions: partitions, replicationFactor: 1)
        }
        return TestBroker(bootstrapServers: cluster.bootstrapServers, mock: cluster, logger: logger)
    }

    /// An external broker at `bootstrapServers` (tansu, for instance).
    public static func external(_ bootstrapServers: String, label: String = "kafka-test") -> TestBroker {
        TestBroker(bootstrapServers: bootstrapServers, mock: nil, logger: TestLogging.logger(label))
    }

    /// Whether `KAFKA_BOOTSTRAP` names an external broker for the default fixture.
    public static var isExternal: Bool { environment("KAFKA_BOOTSTRAP") != nil }

    /// tansu's address when the test tooling started it (`scripts/test` sets `TANSU_BOOTSTRAP`).
    public static var tansuBootstrap: String? { environment("TANSU_BOOTSTRAP") }

    /// Whether read_committed readers see aborted records here: the mock and tansu send no
    /// aborted-transaction list in their fetch responses, so librdkafka cannot filter them;
    /// Kafka does, and hides them.
    public var showsAbortedRecords: Bool { mock != nil || bootstrapServers == Self.tansuBootstrap }

    /// A topic, group or transactional id no other test uses.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Base client properties for this broker.
    public func configuration(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(extra)
        configuration.bootstrapServers = bootstrapServers
        return configuration
    }

    /// Consumer-group settings that join quickly on every broker here (brokers.md: on the
    /// mock, a heartbeat interval of 2000 ms or more never joins).
    public func consumerConfiguration(group: String, _ extra: [String: String] = [:]) -> KafkaConfiguration {
        configuration(
            [
                "group.id": group, "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000",
                "auto.offset.reset": "earliest", "enable.auto.commit": "false",
            ].merging(extra) { $1 })
    }

    /// Creates a topic: through the mock's API on the mock (it has no CreateTopics), through
    /// CreateTopics elsewhere.
    public func createTopic(_ name: String, partitions: Int32, configs: [String: String] = [:]) async throws {
        if let mock {
            try mock.createTopic(name, partitions: partitions, replicationFactor: 1)
            return
        }
        let admin = try KafkaAdmin(configuration: configuration(), logger: logger)
        do {
            try await admin.createTopic(
                KafkaTopicSpecification(name: name, partitions: partitions, replicationFactor: 1, configs: configs),
                timeout: .seconds(30))
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }

    /// How many partitions `topic` has, from metadata.
    public func partitionCount(of topic: String) async throws -> Int {
        let admin = try KafkaAdmin(configuration: configuration(), logger: logger)
        let metadata = try? await admin.metadata(timeout: .seconds(30))
        await admin.close()
        guard let count = metadata?.topic(topic)?.partitions.count, count > 0 else {
            throw TestFailure("topic \(topic) has no partitions in the metadata")
        }
        return count
    }

    /// Produces and flushes `messages` with an idempotent producer, failing unless every one
    /// was delivered.
    public func produce(_ messages: [KafkaOutgoingMessage], _ extra: [String: String] = [:]) async throws {
        let producer = try KafkaProducer(
            configuration: configuration(["enable.idempotence": "true", "linger.ms": "5"].merging(extra) { $1 }),
            logger: logger)
        for message in messages {
            try await producer.send(message)
        }
        try await producer.flush(timeout: .seconds(60))
        let report = producer.takeDeliveryReport()
        await producer.close()
        guard report.isSuccess, report.delivered == messages.count else {
            throw TestFailure("\(messages.count) records produced, delivery report: \(report)")
        }
    }

    private static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
