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
        /// Other names librdkafka accepts for `key` (a user value under one is replaced too).
        var aliases: [String] = []
    }

    /// One user value a forced setting replaced.
    struct Overridden: Equatable {
        var forced: Forced
        /// The key the user set, below `kafka.`: ``Forced/key`` or one of its aliases, after
        /// the role (`producer.max.in.flight`) when set for that kind of client only.
        var userKey: String
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
            // At-least-once restores take a job's later record in the output as proof that its
            // earlier ones are there (SourcePosition), so a partition must hold no gap:
            // - a record that fails for good fails the ones after it too (gapless);
            // - a request that timed out is retried before any later one is sent. With several
            //   in flight, librdkafka reports a timed-out request delivered once a later one
            //   succeeds ("implicit ack"), which is only true on brokers that check idempotent
            //   sequence numbers; librdkafka's mock cluster, for one, does not (without
            //   transactions) and loses those records behind a success report.
            forced.append(
                Forced(
                    role: .producer, key: "enable.gapless.guarantee", value: "true",
                    reason: "at-least-once restores rely on a later output proving the earlier ones"))
            forced.append(
                Forced(
                    role: .producer, key: "max.in.flight.requests.per.connection", value: "1",
                    reason: "a timed-out produce request must be retried before a later one can succeed "
                        + "(at-least-once restores rely on a later output proving the earlier ones)",
                    aliases: ["max.in.flight"]))
        }
        return forced
    }

    /// User values (`kafka.*`, `kafka.<role>.*`) that ``forced(_:)`` replaces.
    static func overridden(_ configuration: RelayConfiguration) -> [Overridden] {
        forced(configuration).flatMap { forced in
            let kafka = configuration.kafka(for: forced.role)
            return ([forced.key] + forced.aliases).compactMap { key -> Overridden? in
                guard let user = kafka[key], user != forced.value else { return nil }
                let scoped = configuration.roleKafka[forced.role]?[key] != nil
                return Overridden(
                    forced: forced, userKey: scoped ? "\(forced.role.rawValue).\(key)" : key, userValue: user)
            }
        }
    }

    static func consumer(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = applyingForced(configuration, to: .consumer)
        kafka["group.id"] = configuration.group
        if kafka["auto.offset.reset"] == nil { kafka["auto.offset.reset"] = "earliest" }
        if let instanceID = groupInstanceID(configuration) { kafka["group.instance.id"] = instanceID }
        let pollInterval = RelayConfiguration.ManagedProperty.maxPollInterval
        if kafka[pollInterval] == nil {
            let needed = min(configuration.minimumPollInterval, RelayConfiguration.maximumPollInterval)
            kafka[pollInterval] = String(max(300_000, needed.wholeMilliseconds))
        }
        return kafka
    }

    /// The producer's properties; at-least-once with `linger.ms` ``atLeastOnceLinger`` unless
    /// set (under it or its alias `queue.buffering.max.ms`).
    static func producer(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = applyingForced(configuration, to: .producer)
        if configuration.delivery == .atLeastOnce, kafka["linger.ms"] == nil, kafka["queue.buffering.max.ms"] == nil {
            kafka["linger.ms"] = String(atLeastOnceLinger.wholeMilliseconds)
        }
        if configuration.delivery == .exactlyOnce {
            kafka["transactional.id"] = transactionalID(configuration)
            kafka[RelayConfiguration.ManagedProperty.transactionTimeout] = String(
                configuration.transactionTimeout.wholeMilliseconds)
        }
        return kafka
    }

    /// The consumer's `group.instance.id`, or nil for dynamic membership: the configured one, or
    /// the instance's transactional id (stable per instance, distinct across instances).
    static func groupInstanceID(
        _ configuration: RelayConfiguration, hostName: String = ProcessInfo.processInfo.hostName
    ) -> String? {
        guard let configured = configuration.groupInstanceID else { return nil }
        return configured.isEmpty ? transactionalID(configuration, hostName: hostName) : configured
    }

    /// The restore's reader: the consumer's properties, its own group and `client.id`, and
    /// `fetch.wait.max.ms` ``restoreFetchWait`` unless set.
    static func restoreReader(_ configuration: RelayConfiguration) -> KafkaConfiguration {
        var kafka = applyingForced(configuration, to: .consumer)
        kafka["client.id"] = (kafka["client.id"] ?? "jobstatusd") + "-restore"
        if kafka["fetch.wait.max.ms"] == nil { kafka["fetch.wait.max.ms"] = String(restoreFetchWait.wholeMilliseconds) }
        return kafka
    }

    /// How long an at-least-once producer lets a partition's records gather before it sends them
    /// (librdkafka's default is 5 ms). librdkafka 2.0.2 sends each partition in a request of its
    /// own, at-least-once with one request in flight per broker (``forced(_:)``), and wakes a
    /// broker's thread (a write to its wake-up pipe, from the relay's loop) when a partition's
    /// linger ends: at 5 ms a relay at full speed woke each output broker's thread about 2,800
    /// times a second, about 22 records a request, and those threads took the relay's cores
    /// from its loop. At 20 ms they woke 40 % less often (issue 26, `docs/benchmarks.md`).
    /// Records wait up to 15 ms longer. Not exactly-once: there a commit sends what lingers and
    /// waits for it, and the longer linger made runs slower.
    static let atLeastOnceLinger = Duration.milliseconds(20)

    /// How long a fetch of the restore's reader waits for records that are not there. A restore
    /// ends each partition at its end of data, which a broker reports only after this wait when
    /// it has nothing to send, and librdkafka adds the partitions that became fetchable meanwhile
    /// to the next fetch: a restore of empty partitions takes a few such rounds, on the
    /// readiness path of every start (50 ms rounds made about 150 ms of 64 + 64 empty
    /// partitions on the mock). Short waits cost nothing between restores: the reader stops
    /// fetching after each read.
    static let restoreFetchWait = Duration.milliseconds(10)

    private static func applyingForced(_ configuration: RelayConfiguration, to role: ClientRole) -> KafkaConfiguration {
        var kafka = configuration.kafka(for: role)
        for forced in forced(configuration) where forced.role == role {
            for alias in forced.aliases { kafka[alias] = nil }
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
