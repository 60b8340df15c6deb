import Kafka
import Logging
import Relay

/// `check-config --connect`: what `run` will need from Kafka, checked with the configured
/// credentials before the daemon starts, so that a bad password, a missing topic or a missing
/// ACL is one clear line instead of a restart loop. Each finding names the fix.
struct ConnectionCheck {
    struct Finding: Equatable {
        enum Level: String {
            case ok = "ok  "
            case warning = "warn"
            case failed = "FAIL"
        }
        var level: Level
        var text: String
    }

    let relay: RelayConfiguration
    let logger: Logger

    func run() async -> [Finding] {
        let admin: KafkaAdmin
        let metadata: KafkaClusterMetadata
        do {
            admin = try KafkaAdmin(configuration: relay.kafka(for: .admin), logger: logger)
        } catch {
            return [Finding(level: .failed, text: "kafka configuration: \(error.message)")]
        }
        do {
            metadata = try await admin.metadata(timeout: relay.operationTimeout)
        } catch {
            await admin.close()
            return [
                Finding(
                    level: .failed,
                    text: "cannot reach Kafka at \(relay.kafka.bootstrapServers ?? "?"): \(error.message); check "
                        + "kafka.bootstrap.servers, kafka.security.protocol and the kafka.sasl.*/kafka.ssl.* settings")
            ]
        }
        var findings = [
            Finding(
                level: .ok,
                text: "reached \(metadata.brokers.count) broker(s) at \(relay.kafka.bootstrapServers ?? "?")")
        ]
        findings += relay.inputTopics.map { inputTopic($0, metadata) }
        findings.append(await outputTopic(admin, metadata))
        findings.append(deadLetterTopic(metadata))
        await admin.close()
        findings.append(await group(metadata))
        findings.append(
            Finding(
                level: .ok,
                text: "transactional id not initialized here (that would fence a running instance): "
                    + "it needs TransactionalId Write and Describe"))
        return findings
    }

    /// The topic as the metadata lists it, with its error (``KafkaClusterMetadata/topic(_:)``
    /// skips a topic listed with an error, such as one this principal may not Describe).
    private static func listed(_ name: String, _ metadata: KafkaClusterMetadata) -> KafkaClusterMetadata.Topic? {
        metadata.topics.first { $0.name == name }
    }

    private func inputTopic(_ name: String, _ metadata: KafkaClusterMetadata) -> Finding {
        if let topic = Self.listed(name, metadata),
            let problem = Self.problem(of: topic, role: "input topic", needs: "Describe, Read")
        {
            return problem
        }
        guard let topic = metadata.topic(name) else {
            return Finding(
                level: .failed,
                text: "input topic \(name) does not exist, or this principal may not Describe it "
                    + "(needs Topic \(name): Describe, Read); create it or fix input.topics")
        }
        return Finding(level: .ok, text: "input topic \(name): \(topic.partitions.count) partitions")
    }

    /// A topic the metadata names with an error: the missing ACL when the broker refused it.
    private static func problem(
        of topic: KafkaClusterMetadata.Topic, role: String, needs operations: String
    ) -> Finding? {
        switch topic.error {
        case .noError:
            return nil
        case .topicAuthorizationFailed:
            return Finding(
                level: .failed,
                text: "\(role) \(topic.name): not authorized; grant this principal Topic \(topic.name): \(operations)")
        default:
            return Finding(level: .failed, text: "\(role) \(topic.name): \(topic.error)")
        }
    }

    private func outputTopic(_ admin: KafkaAdmin, _ metadata: KafkaClusterMetadata) async -> Finding {
        let name = relay.outputTopic
        if let topic = Self.listed(name, metadata),
            let problem = Self.problem(of: topic, role: "output topic", needs: "Describe, DescribeConfigs, Read, Write")
        {
            return problem
        }
        guard metadata.topic(name) != nil else {
            return relay.createTopics
                ? Finding(
                    level: .warning,
                    text:
                        "output topic \(name) does not exist; run will create it compacted (needs Topic \(name): Create)"
                )
                : Finding(
                    level: .failed,
                    text: "output topic \(name) does not exist and output.create is false; create it with "
                        + "cleanup.policy=compact")
        }
        do {
            let configs = try await admin.describeTopicConfiguration(name, timeout: relay.operationTimeout)
            let policy = configs["cleanup.policy"] ?? "?"
            guard CleanupPolicy.isCompacted(policy) else {
                return Finding(
                    level: .failed,
                    text: "output topic \(name) has cleanup.policy=\(policy), not compact; alter it or choose another "
                        + "output.topic")
            }
            return Finding(level: .ok, text: "output topic \(name): compacted")
        } catch {
            return Finding(
                level: .warning,
                text: "output topic \(name): cannot read its cleanup.policy (needs Topic \(name): DescribeConfigs): "
                    + error.message)
        }
    }

    private func deadLetterTopic(_ metadata: KafkaClusterMetadata) -> Finding {
        let name = relay.deadLetterTopic
        if let topic = Self.listed(name, metadata) {
            return Self.problem(of: topic, role: "dead-letter topic", needs: "Describe, Read, Write")
                ?? Finding(level: .ok, text: "dead-letter topic \(name): exists")
        }
        return relay.createTopics
            ? Finding(
                level: .warning,
                text: "dead-letter topic \(name) does not exist; run will create it (needs Topic \(name): Create)")
            : Finding(
                level: .failed,
                text: "dead-letter topic \(name) does not exist and output.create is false; create it")
    }

    /// Reading the group's committed offsets needs what `run` needs of the group.
    private func group(_ metadata: KafkaClusterMetadata) async -> Finding {
        let partitions = relay.inputTopics.flatMap { name in
            (metadata.topic(name)?.partitions ?? []).map { TopicPartition(name, $0.id) }
        }
        guard !partitions.isEmpty else {
            return Finding(level: .warning, text: "group \(relay.group): not checked (no input partitions)")
        }
        var configuration = relay.kafka(for: .consumer)
        configuration["group.id"] = relay.group
        do {
            let committed = try await KafkaConsumer(configuration: configuration, logger: logger).closing {
                consumer throws(KafkaError) in try await consumer.committed(partitions, timeout: relay.operationTimeout)
            }
            let started = committed.filter(\.offset.isConcrete).count
            return Finding(
                level: .ok,
                text: "group \(relay.group): committed offsets readable (\(started) of \(partitions.count) partitions)")
        } catch {
            let hint =
                error.code == .groupAuthorizationFailed ? " (needs Group \(relay.group): Read, Describe)" : ""
            return Finding(level: .failed, text: "group \(relay.group): \(error.message)\(hint)")
        }
    }
}
