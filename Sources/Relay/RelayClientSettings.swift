import Foundation
import Kafka

/// The librdkafka settings the relay's clients need on top of `kafka.*`.
enum RelayClientSettings {
    static func consumer(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = configuration.kafka
        kafka["group.id"] = configuration.group
        kafka["isolation.level"] = "read_committed"
        kafka["enable.auto.commit"] = "false"
        kafka["enable.auto.offset.store"] = "false"
        if kafka["auto.offset.reset"] == nil { kafka["auto.offset.reset"] = "earliest" }
        return kafka
    }

    static func producer(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = configuration.kafka
        kafka["partitioner"] = "murmur2_random"
        kafka["enable.idempotence"] = "true"
        if configuration.delivery == .exactlyOnce {
            kafka["transactional.id"] = transactionalID(configuration)
        } else {
            // No gaps within a partition: a record that fails fails the ones after it too, so a
            // later record of a job in the output proves its earlier ones are there (SourcePosition).
            kafka["enable.gapless.guarantee"] = "true"
        }
        return kafka
    }

    /// `transaction.id`, or `jobstatusd-<group>-<host name>`: stable per instance, so a
    /// restarted instance fences its own zombie.
    static func transactionalID(_ configuration: RelayConfiguration) -> String {
        if !configuration.transactionalID.isEmpty { return configuration.transactionalID }
        return "jobstatusd-\(configuration.group)-\(ProcessInfo.processInfo.hostName)"
    }
}
