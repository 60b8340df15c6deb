import Kafka
import Logging

/// Checks and creates the topics (DESIGN.md section 3): the output topic must be
/// compacted; it is created compacted when missing (if allowed); the dead-letter topic
/// is created when missing.
struct TopicPreparation {
    let configuration: RelayConfiguration
    let logger: Logger

    func run() async throws(RelayError) -> TopicTopology {
        let admin: KafkaAdmin
        do {
            admin = try KafkaAdmin(configuration: configuration.kafka(for: .admin), logger: logger)
        } catch {
            throw RelayError(.other, "kafka configuration: \(error.message)", underlying: error)
        }
        return try await admin.closing { admin throws(RelayError) in try await prepare(admin) }
    }

    private func prepare(_ admin: KafkaAdmin) async throws(RelayError) -> TopicTopology {
        let metadata: KafkaClusterMetadata
        do {
            metadata = try await admin.metadata(timeout: configuration.operationTimeout)
        } catch {
            throw RelayError(
                .other,
                "cannot reach Kafka at \(configuration.kafka.bootstrapServers ?? "(no bootstrap.servers)"): \(error.message)",
                underlying: error)
        }
        var inputPartitions: [String: Int32] = [:]
        for topic in configuration.inputTopics {
            if let found = metadata.topic(topic) {
                inputPartitions[topic] = Int32(found.partitions.count)
            } else {
                logger.warning("input topic does not exist yet; waiting for it", metadata: ["topic": "\(topic)"])
            }
        }
        let outputPartitions = try await prepareOutput(admin, metadata, inputPartitions)
        let deadLetterPartitions = try await prepareDeadLetters(
            admin, metadata, partitions: inputPartitions.values.max() ?? outputPartitions)
        if configuration.inputKeying == .any {
            try await prepareRepartition(admin, metadata, partitions: outputPartitions)
            logger.info(
                """
                input.keying is any: every input record is re-keyed by job_id through the repartition topic, \
                so each instance restores only its partitions
                """,
                metadata: [
                    "input": "\(inputPartitions)",
                    "repartition": "\(configuration.repartitionTopic)[\(outputPartitions)]",
                    "output": "\(configuration.outputTopic)[\(outputPartitions)]",
                ])
            return TopicTopology(
                inputPartitions: inputPartitions, outputPartitions: outputPartitions,
                deadLetterPartitions: deadLetterPartitions, isAligned: false)
        }
        if metadata.topic(configuration.repartitionTopic) != nil {
            logger.warning(
                """
                input.keying is job-id, but \(configuration.repartitionTopic) exists: if this group ran with \
                input.keying any, records re-keyed there that the relay stage had not read yet are not published \
                now. Run with input.keying any until its lag is 0 before switching back (then delete the topic)
                """)
        }
        let aligned = configuration.inputTopics.count == 1 && inputPartitions.values.first == outputPartitions
        logger.info(
            aligned
                ? "input and output are aligned (same partition count): each instance restores only its partitions"
                : "input and output are not aligned: each instance restores every output partition",
            metadata: [
                "input": "\(inputPartitions)", "output": "\(configuration.outputTopic)[\(outputPartitions)]",
                "assumes": "input keyed by job_id with the murmur2 partitioner",
            ])
        return TopicTopology(
            inputPartitions: inputPartitions, outputPartitions: outputPartitions,
            deadLetterPartitions: deadLetterPartitions, isAligned: aligned)
    }

    private func prepareOutput(
        _ admin: KafkaAdmin, _ metadata: KafkaClusterMetadata, _ inputPartitions: [String: Int32]
    ) async throws(RelayError) -> Int32 {
        let topic = configuration.outputTopic
        if let existing = metadata.topic(topic) {
            if configuration.checksOutputCompaction { try await checkCompacted(admin, topic) }
            return Int32(existing.partitions.count)
        }
        guard configuration.createTopics else {
            throw RelayError(
                .topicMissing,
                "output topic \(topic) does not exist; create it with cleanup.policy=compact or set output.create: true"
            )
        }
        let partitions =
            configuration.outputPartitions > 0
            ? configuration.outputPartitions : (inputPartitions[configuration.inputTopics.first ?? ""] ?? 0)
        guard partitions > 0 else {
            throw RelayError(
                .topicMissing,
                "cannot create output topic \(topic): output.partitions is 0 (same as input) and input topic "
                    + "\(configuration.inputTopics.first ?? "") does not exist; set output.partitions")
        }
        var configs = ["cleanup.policy": "compact"]
        if configuration.finishedRetention != nil {
            // Tombstones stay readable for the horizon, so a restore remembers the jobs they forgot
            // (Kafka's default delete.retention.ms is a day).
            let horizon = configuration.finishedHorizon.wholeMilliseconds
            configs["delete.retention.ms"] = String(max(86_400_000, horizon))
        }
        configs.merge(configuration.outputTopicConfigs) { _, new in new }
        try await create(
            admin,
            KafkaTopicSpecification(
                name: topic, partitions: partitions, replicationFactor: configuration.replicationFactor,
                configs: configs))
        logger.notice(
            "created compacted output topic", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
        return partitions
    }

    private func checkCompacted(_ admin: KafkaAdmin, _ topic: String) async throws(RelayError) {
        let configs: [String: String]
        do {
            configs = try await admin.describeTopicConfiguration(topic, timeout: .seconds(5))
        } catch {
            logger.warning(
                "cannot verify that the output topic is compacted (the broker did not describe its configs); make sure it has cleanup.policy=compact",
                metadata: ["topic": "\(topic)", "error": "\(error)"])
            return
        }
        guard let policy = configs["cleanup.policy"] else {
            logger.warning(
                "the broker did not report cleanup.policy of the output topic; make sure it is compacted",
                metadata: ["topic": "\(topic)"])
            return
        }
        guard CleanupPolicy.isCompacted(policy) else {
            throw RelayError(
                .outputNotCompacted,
                "output topic \(topic) has cleanup.policy=\(policy), not compact; downstream readers need the latest "
                    + "record per job: run kafka-configs --alter --add-config cleanup.policy=compact on it, or choose another output.topic"
            )
        }
    }

    /// Creates the repartition topic of `input.keying: any` when missing, with the output's
    /// partition count, and refuses one with another count: a job's records would then reach a
    /// partition whose number is not its output partition's, and the restore of an instance
    /// would miss them.
    private func prepareRepartition(
        _ admin: KafkaAdmin, _ metadata: KafkaClusterMetadata, partitions: Int32
    ) async throws(RelayError) {
        let topic = configuration.repartitionTopic
        if let existing = metadata.topic(topic) {
            try await checkRepartitionPolicy(admin, topic)
            guard existing.partitions.count == Int(partitions) else {
                throw RelayError(
                    .topicMismatch,
                    "repartition topic \(topic) has \(existing.partitions.count) partitions and output topic "
                        + "\(configuration.outputTopic) has \(partitions): they must match. Stop every instance, "
                        + "let none hold records in it (or accept their loss), delete \(topic) and start again")
            }
            return
        }
        guard configuration.createTopics else {
            throw RelayError(
                .topicMissing,
                "repartition topic \(topic) does not exist; create it with \(partitions) partitions (the output's) "
                    + "and cleanup.policy=delete, or set output.create: true")
        }
        try await create(
            admin,
            KafkaTopicSpecification(
                name: topic, partitions: partitions, replicationFactor: configuration.replicationFactor,
                configs: [
                    "cleanup.policy": "delete", "retention.ms": String(Self.repartitionRetention),
                    // Retention counts from when a record was re-keyed, not from its producer's
                    // clock: a backlog older than the retention must not be deleted unread.
                    "message.timestamp.type": "LogAppendTime",
                ]))
        logger.notice("created repartition topic", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
    }

    /// A repartition topic someone made compacted would keep one record per job_id, and the relay
    /// stage would miss a job's intermediate events: refused when the broker says so.
    private func checkRepartitionPolicy(_ admin: KafkaAdmin, _ topic: String) async throws(RelayError) {
        guard configuration.checksOutputCompaction,
            let policy = try? await admin.describeTopicConfiguration(topic, timeout: .seconds(5))["cleanup.policy"],
            CleanupPolicy.isCompacted(policy)
        else { return }
        throw RelayError(
            .topicMismatch,
            "repartition topic \(topic) has cleanup.policy=\(policy): it must keep every record (delete); "
                + "set cleanup.policy=delete on it once no instance runs, or delete it")
    }

    /// A week: the relay stage may be behind the first by that much before records are lost.
    static let repartitionRetention: Int64 = 7 * 86_400_000

    /// Creates the dead-letter topic when missing; returns its partition count.
    private func prepareDeadLetters(
        _ admin: KafkaAdmin, _ metadata: KafkaClusterMetadata, partitions: Int32
    ) async throws(RelayError) -> Int32 {
        let topic = configuration.deadLetterTopic
        if let existing = metadata.topic(topic) { return Int32(existing.partitions.count) }
        guard configuration.createTopics else {
            throw RelayError(
                .topicMissing, "dead-letter topic \(topic) does not exist; create it or set output.create: true")
        }
        try await create(
            admin,
            KafkaTopicSpecification(
                name: topic, partitions: max(1, partitions), replicationFactor: configuration.replicationFactor,
                configs: ["cleanup.policy": "delete"]))
        logger.notice("created dead-letter topic", metadata: ["topic": "\(topic)"])
        return max(1, partitions)
    }

    private func create(_ admin: KafkaAdmin, _ specification: KafkaTopicSpecification) async throws(RelayError) {
        do {
            try await admin.createTopic(specification, timeout: configuration.operationTimeout)
        } catch {
            if error.code == .topicAlreadyExists { return }
            throw RelayError(
                .topicMissing,
                "cannot create topic \(specification.name) (\(specification.partitions) partitions, replication "
                    + "\(specification.replicationFactor)): \(error.message)", underlying: error)
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
