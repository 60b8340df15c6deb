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
    /// - Parameter deadLetterPartitions: create the DLQ with this many partitions (default: the
    ///   relay creates it, or, on the mock, as many as the input).
    static func start(partitions: Int32 = 4, deadLetterPartitions: Int32? = nil) async throws -> RelayHarness {
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
            try mock.createTopic(harness.input, partitions: partitions)
            try mock.createTopic(harness.output, partitions: partitions)
            try mock.createTopic(harness.deadLetters, partitions: deadLetterPartitions ?? partitions)
        } else {
            // A real broker: make the input (and a DLQ of a chosen size); the relay creates the rest.
            let admin = try KafkaAdmin(configuration: harness.kafka(), logger: logger)
            try await admin.createTopic(
                KafkaTopicSpecification(name: harness.input, partitions: partitions, replicationFactor: 1),
                timeout: .seconds(10))
            if let deadLetterPartitions {
                try await admin.createTopic(
                    KafkaTopicSpecification(
                        name: harness.deadLetters, partitions: deadLetterPartitions, replicationFactor: 1),
                    timeout: .seconds(10))
            }
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

    func relayConfiguration(
        transactionalID: String = "", delivery: RelayConfiguration.Delivery = .exactlyOnce,
        kafka extra: [String: String] = [:]
    ) -> RelayConfiguration {
        RelayConfiguration(
            kafka: kafka(extra), inputTopics: [input], group: group, outputTopic: output, createTopics: true,
            outputPartitions: 0, replicationFactor: 1, deadLetterTopic: deadLetters, delivery: delivery,
            transactionalID: transactionalID.isEmpty ? "txn-\(group)" : transactionalID,
            operationTimeout: .seconds(10))
    }

    /// Produces raw records, keyed as given, each to the partition the Java client would pick.
    func produce(raw records: [(key: String, value: [UInt8])]) async throws {
        try await produce(records.map { EventStream.Event(jobID: $0.key, value: $0.value, isInvalid: false) })
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

    /// Every record of `topic`, read_committed, up to the end of each partition as fetch
    /// responses report it (partition EOF): call it once the relays stopped writing.
    func readAll(_ topic: String, atLeast count: Int = 0) async throws -> [KafkaMessage] {
        let admin = try KafkaAdmin(configuration: kafka(), logger: logger)
        let partitionCount = try await admin.metadata(timeout: .seconds(10)).topic(topic)?.partitions.count ?? 0
        await admin.close()
        guard partitionCount > 0 else { throw HarnessError("topic \(topic) has no partitions") }
        let consumer = try KafkaConsumer(
            configuration: kafka([
                "group.id": "reader-\(UUID().uuidString)", "isolation.level": "read_committed",
                "enable.partition.eof": "true",
            ]),
            logger: logger)
        let partitions = (0..<Int32(partitionCount)).map { TopicPartition(topic, $0) }
        try consumer.assign(partitions.map { TopicPartitionOffset($0, .beginning) })
        var remaining = Set(partitions)
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while !remaining.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw HarnessError("\(topic): \(remaining) not read to the end in 60 s")
            }
            switch await consumer.poll(maxMessages: 5000, timeout: .seconds(1)) {
            case .messages(let batch): messages += batch
            case .endOfPartition(let end): remaining.remove(end.topicPartition)
            case .error(let error) where error.isFatal: throw error
            case .error, .rebalance: break
            }
        }
        await consumer.close()
        if messages.count < count { print("readAll(\(topic)): \(messages.count) records, expected \(count)") }
        return messages
    }

    /// The end offset of every input partition (after the input was produced).
    func inputEnds() async throws -> [TopicPartition: Int64] {
        var ends: [TopicPartition: Int64] = [:]
        for message in try await readAll(input) {
            ends[message.topicPartition] = max(ends[message.topicPartition] ?? 0, message.offset.rawValue + 1)
        }
        return ends
    }

    /// Waits until, for every input partition, one of `relays` committed its end, or the group's
    /// committed offset on the broker is there (a partition finished by one instance and handed
    /// to another that had nothing left to do). Everything consumed and committed, no guess.
    func waitUntilCommitted(
        _ relays: [RunningRelay], ends: [TopicPartition: Int64], timeout: Duration = .seconds(120)
    ) async throws {
        let reader = try KafkaConsumer(configuration: kafka(["group.id": group]), logger: logger)
        defer { Task { await reader.close() } }
        let partitions = Array(ends.keys).sorted()
        try await Self.waitUntilAsync(timeout: timeout, "every input partition committed to its end") {
            let stored = (try? await reader.committed(partitions, timeout: .seconds(5))) ?? []
            let group = Dictionary(stored.map { ($0.topicPartition, $0.offset.rawValue) }, uniquingKeysWith: max)
            let committed = relays.map { $0.relay.status.current.committedOffsets } + [group]
            return ends.allSatisfy { partition, end in committed.contains { ($0[partition] ?? -1) >= end } }
        }
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
    /// Waits (bounded) until the asynchronous `condition` holds.
    static func waitUntilAsync(
        timeout: Duration = .seconds(90), _ what: String, _ condition: () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while await !condition() {
            if ContinuousClock.now > deadline { throw HarnessError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

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
