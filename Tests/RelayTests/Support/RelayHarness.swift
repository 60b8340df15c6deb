import Foundation
import JobStatus
import Kafka
import Logging

@testable import Relay

/// A broker with the relay's three topics, an independent producer of input
/// and an independent reader of the output and the dead letters.
struct RelayHarness {
    let bootstrapServers: String
    let mock: MockCluster?
    let logger: Logger
    let input: String
    let output: String
    let deadLetters: String
    let group: String
    let partitions: Int32

    /// Whether `KAFKA_BOOTSTRAP` names an external broker.
    static var isExternal: Bool {
        !(ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP"] ?? "").isEmpty
    }

    /// The in-process mock cluster, or `KAFKA_BOOTSTRAP` when set. Topics get fresh names.
    static func start(partitions: Int32 = 4) async throws -> RelayHarness {
        var logger = Logger(label: "relay-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let external = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }
        let mock = external == nil ? try MockCluster(brokers: 3, logger: logger) : nil
        let harness = RelayHarness(
            bootstrapServers: external ?? mock?.bootstrapServers ?? "", mock: mock, logger: logger,
            input: "job-status-\(suffix)", output: "job-status-latest-\(suffix)",
            deadLetters: "job-status-dlq-\(suffix)",
            group: "jobstatusd-\(suffix)", partitions: partitions)
        if let mock {
            // The mock has no CreateTopics: make all three; the relay finds them.
            for topic in [harness.input, harness.output, harness.deadLetters] {
                try mock.createTopic(topic, partitions: partitions)
            }
        } else {
            // A real broker: make the input only; the relay creates the compacted output and the DLQ.
            let admin = try KafkaAdmin(configuration: harness.kafka(), logger: logger)
            try await admin.createTopic(
                KafkaTopicSpecification(name: harness.input, partitions: partitions, replicationFactor: 1),
                timeout: .seconds(10))
            await admin.close()
        }
        return harness
    }

    func kafka(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(
            ["session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"].merging(extra) { $1 })
        configuration.bootstrapServers = bootstrapServers
        return configuration
    }

    func relayConfiguration(transactionalID: String = "") -> RelayConfiguration {
        RelayConfiguration(
            kafka: kafka(), inputTopics: [input], group: group, outputTopic: output, createTopics: true,
            outputPartitions: 0, replicationFactor: 1, deadLetterTopic: deadLetters,
            transactionalID: transactionalID.isEmpty ? "txn-\(group)" : transactionalID,
            operationTimeout: .seconds(10))
    }

    /// Produces the stream, keyed by job_id with the Java client's partitioner.
    func produce(_ events: [EventStream.Event]) async throws {
        let producer = try KafkaProducer(
            configuration: kafka(["partitioner": "murmur2_random", "enable.idempotence": "true", "linger.ms": "5"]),
            logger: logger)
        for event in events {
            try await producer.send(
                KafkaOutgoingMessage(topic: input, key: Array(event.jobID.utf8), value: event.value))
        }
        try await producer.flush(timeout: .seconds(30))
        let report = producer.takeDeliveryReport()
        await producer.close()
        guard report.isSuccess else { throw HarnessError("input not delivered: \(report)") }
    }

    /// Reads every partition of `topic` read_committed until `count` records or 3 s of silence.
    func readAll(_ topic: String, atLeast count: Int) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: kafka(["group.id": "reader-\(UUID().uuidString)", "isolation.level": "read_committed"]),
            logger: logger)
        try consumer.assign((0..<partitions).map { TopicPartitionOffset(TopicPartition(topic, $0), .beginning) })
        var messages: [KafkaMessage] = []
        while true {
            guard case .messages(let batch) = await consumer.poll(maxMessages: 5000, timeout: .seconds(3)) else {
                continue
            }
            if batch.isEmpty { break }
            messages += batch
            if messages.count >= count {
                // Keep reading briefly: extra records would be a failure worth seeing.
                if case .messages(let more) = await consumer.poll(maxMessages: 5000, timeout: .milliseconds(500)) {
                    messages += more
                }
                break
            }
        }
        await consumer.close()
        return messages
    }

    /// The output grouped by key, in partition order (a job lives in one partition).
    static func perJob(_ messages: [KafkaMessage]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for message in messages.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            let key = String(decoding: message.key ?? [], as: UTF8.self)
            result[key, default: []].append(String(decoding: message.value ?? [], as: UTF8.self))
        }
        return result
    }

    /// Waits (bounded) until `condition` holds.
    static func waitUntil(
        timeout: Duration = .seconds(90), _ what: String, _ condition: () -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now > deadline { throw HarnessError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A relay running in a task.
struct RunningRelay {
    let relay: Relay
    let task: Task<Void, any Error>

    init(_ configuration: RelayConfiguration, logger: Logger) {
        let relay = Relay(configuration: configuration, logger: logger)
        self.relay = relay
        self.task = Task { try await relay.run() }
    }

    var counters: RelayCounters { relay.status.current.counters }

    func stop() async throws {
        relay.requestStop()
        try await task.value
    }

    func abandon() async throws {
        relay.abandon()
        try await task.value
    }
}
