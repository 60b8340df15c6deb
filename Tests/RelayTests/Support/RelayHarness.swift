import Foundation
import JobStatus
import Kafka
import Logging
import TestSupport

@testable import Relay

/// A broker with the relay's three topics, an independent producer of input
/// and an independent reader of the output and the dead letters.
struct RelayHarness {
    let broker: TestBroker
    let input: String
    let output: String
    let deadLetters: String
    let group: String
    let partitions: Int32

    var logger: Logger { broker.logger }
    var mock: MockCluster? { broker.mock }

    /// Whether `KAFKA_BOOTSTRAP` names an external broker.
    static var isExternal: Bool { TestBroker.isExternal }

    /// The in-process mock cluster, or `KAFKA_BOOTSTRAP` when set. Topics get fresh names.
    /// - Parameter deadLetterPartitions: create the DLQ with this many partitions (default: the
    ///   relay creates it, or, on the mock, as many as the input).
    static func start(partitions: Int32 = 4, deadLetterPartitions: Int32? = nil) async throws -> RelayHarness {
        let broker = try TestBroker.start(label: "relay-test")
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let harness = RelayHarness(
            broker: broker, input: "job-status-\(suffix)", output: "job-status-latest-\(suffix)",
            deadLetters: "job-status-dlq-\(suffix)", group: "jobstatusd-\(suffix)", partitions: partitions)
        try await broker.createTopic(harness.input, partitions: partitions)
        if broker.mock != nil {
            // The mock has no CreateTopics: make the other two as well; the relay finds them.
            try await broker.createTopic(harness.output, partitions: partitions)
            try await broker.createTopic(harness.deadLetters, partitions: deadLetterPartitions ?? partitions)
        } else if let deadLetterPartitions {
            // A real broker: the relay creates the rest, unless the test wants a DLQ of a chosen size.
            try await broker.createTopic(harness.deadLetters, partitions: deadLetterPartitions)
        }
        return harness
    }

    func kafka(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        broker.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"].merging(extra) { $1 })
    }

    /// `JOBSTATUSD_TEST_STATIC_MEMBERSHIP=off` runs the relays with dynamic group membership
    /// (the default is static, as the daemon's): for brokers whose groups it upsets.
    static var groupInstanceID: String? {
        ProcessInfo.processInfo.environment["JOBSTATUSD_TEST_STATIC_MEMBERSHIP"] == "off" ? nil : ""
    }

    func relayConfiguration(
        transactionalID: String = "", delivery: RelayConfiguration.Delivery = .exactlyOnce,
        kafka extra: [String: String] = [:]
    ) -> RelayConfiguration {
        var configuration = RelayConfiguration(
            kafka: kafka(extra), inputTopics: [input], group: group, outputTopic: output, createTopics: true,
            outputPartitions: 0, replicationFactor: 1, deadLetterTopic: deadLetters, delivery: delivery,
            transactionalID: transactionalID.isEmpty ? "txn-\(group)" : transactionalID,
            operationTimeout: .seconds(10))
        configuration.groupInstanceID = Self.groupInstanceID
        return configuration
    }

    /// Produces raw records, keyed as given, each to the partition the Java client would pick.
    func produce(raw records: [(key: String, value: [UInt8])]) async throws {
        try await produce(records.map { EventStream.Event(jobID: $0.key, value: $0.value, isInvalid: false) })
    }

    /// Produces the stream, keyed by job_id with the Java client's partitioner.
    /// - Parameter extra: producer properties over the fixture's (idempotent, murmur2).
    func produce(_ events: [EventStream.Event], _ extra: [String: String] = [:]) async throws {
        let messages = events.map { KafkaOutgoingMessage(topic: input, key: Array($0.jobID.utf8), value: $0.value) }
        try await broker.produce(messages, ["partitioner": "murmur2_random"].merging(extra) { $1 })
    }

    /// The end offset of every input partition (after the input was produced).
    func inputEnds() async throws -> [TopicPartition: Int64] {
        try await ends(of: input)
    }

    /// The end offset of every partition of `topic` that holds records (read to its end).
    func ends(of topic: String) async throws -> [TopicPartition: Int64] {
        var ends: [TopicPartition: Int64] = [:]
        for message in try await broker.readToEnd(topic) {
            ends[message.topicPartition] = max(ends[message.topicPartition] ?? 0, message.offset.rawValue + 1)
        }
        return ends
    }

    /// The group's committed offset of each of `partitions` on the broker, or 0 where it has
    /// none (the group starts there: `auto.offset.reset` is earliest).
    func groupOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let reader = try KafkaConsumer(configuration: kafka(["group.id": group]), logger: logger)
        return try await reader.closing { reader in
            let stored = try await reader.committed(partitions.sorted(), timeout: .seconds(10))
            return Dictionary(stored.map { ($0.topicPartition, max(0, $0.offset.rawValue)) }, uniquingKeysWith: max)
        }
    }

    /// Waits until, for every input partition, one of `relays` committed its end, or the group's
    /// committed offset on the broker is there (a partition finished by one instance and handed
    /// to another that had nothing left to do). Everything consumed and committed, no guess.
    func waitUntilCommitted(
        _ relays: [RunningRelay], ends: [TopicPartition: Int64], group: String? = nil, timeout: Duration = .seconds(120)
    ) async throws {
        let reader = try KafkaConsumer(configuration: kafka(["group.id": group ?? self.group]), logger: logger)
        let partitions = Array(ends.keys).sorted()
        try await reader.closing { reader in
            try await waitUntil("every input partition committed to its end", timeout: timeout) {
                let stored = (try? await reader.committed(partitions, timeout: .seconds(5))) ?? []
                let group = Dictionary(stored.map { ($0.topicPartition, $0.offset.rawValue) }, uniquingKeysWith: max)
                let committed =
                    relays.map { $0.relay.status.current.committedOffsets.mapValues(\.rawValue) } + [group]
                return ends.allSatisfy { partition, end in committed.contains { ($0[partition] ?? -1) >= end } }
            }
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
