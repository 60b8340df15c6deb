import Foundation
import Kafka

/// The librdkafka settings of the relay's clients: each role's properties
/// (``RelayConfiguration/kafka(for:)``) with the settings the relay's guarantees rest on
/// forced on top. A user value that a forced setting replaces is reported (``overridden(_:)``),
/// never dropped without a word.
enum RelayClientSettings {
    /// One setting the relay forces, and why.
    struct Forced: Equatable {
        var role: ClientRole
        var key: String
        var value: String
        var reason: String
    }

    /// One user value a forced setting replaced.
    struct Overridden: Equatable {
        var forced: Forced
        var userValue: String
    }

    static func forced(_ configuration: RelayConfiguration) -> [Forced] {
        let offsets = "the relay commits input offsets itself, with each transaction or after delivery"
        var forced = [
            Forced(
                role: .consumer, key: "isolation.level", value: "read_committed",
                reason: "the relay must not read records of open or aborted transactions"),
            Forced(role: .consumer, key: "enable.auto.commit", value: "false", reason: offsets),
            Forced(role: .consumer, key: "enable.auto.offset.store", value: "false", reason: offsets),
            Forced(
                role: .producer, key: "partitioner", value: "murmur2_random",
                reason: "a job's output must land in the partition the Java client picks for its key"),
            Forced(
                role: .producer, key: "enable.idempotence", value: "true",
                reason: "a retried produce must not write a record twice"),
        ]
        if configuration.delivery == .atLeastOnce {
            // No gaps within a partition: a record that fails fails the ones after it too, so a
            // later record of a job in the output proves its earlier ones are there (SourcePosition).
            forced.append(
                Forced(
                    role: .producer, key: "enable.gapless.guarantee", value: "true",
                    reason: "at-least-once restores rely on a later output proving the earlier ones"))
        }
        return forced
    }

    /// User values (`kafka.*`, `kafka.<role>.*`) that ``forced(_:)`` replaces.
    static func overridden(_ configuration: RelayConfiguration) -> [Overridden] {
        forced(configuration).compactMap { forced in
            guard let user = configuration.kafka(for: forced.role)[forced.key], user != forced.value else { return nil }
            return Overridden(forced: forced, userValue: user)
        }
    }

    static func consumer(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = applyingForced(configuration, to: .consumer)
        kafka["group.id"] = configuration.group
        if kafka["auto.offset.reset"] == nil { kafka["auto.offset.reset"] = "earliest" }
        return kafka
    }

    static func producer(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = applyingForced(configuration, to: .producer)
        if configuration.delivery == .exactlyOnce {
            kafka["transactional.id"] = transactionalID(configuration)
        }
        return kafka
    }

    /// The restore's reader: the consumer's properties, its own group and `client.id`.
    static func restoreReader(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = applyingForced(configuration, to: .consumer)
        kafka["client.id"] = (kafka["client.id"] ?? "jobstatusd") + "-restore"
        return kafka
    }

    private static func applyingForced(_ configuration: RelayConfiguration, to role: ClientRole) -> KafkaConfiguration {
        var kafka = configuration.kafka(for: role)
        for forced in forced(configuration) where forced.role == role {
            kafka[forced.key] = forced.value
        }
        return kafka
    }

    /// `transaction.id`, or `jobstatusd-<group>-<host name>[-<instance>]`: stable per instance,
    /// so a restarted instance fences its own zombie, and distinct for each instance on a host.
    static func transactionalID(
        _ configuration: RelayConfiguration, hostName: String = ProcessInfo.processInfo.hostName
    ) -> String {
        if !configuration.transactionalID.isEmpty { return configuration.transactionalID }
        let instance = configuration.instance.isEmpty ? "" : "-\(configuration.instance)"
        return "jobstatusd-\(configuration.group)-\(hostName)\(instance)"
    }
}
