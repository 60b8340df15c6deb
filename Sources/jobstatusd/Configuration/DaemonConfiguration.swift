import JobStatus
import Kafka
import Logging
import Relay

/// The daemon's typed configuration (what `check-config` prints, what `run` uses).
struct DaemonConfiguration {
    var kafka: KafkaConfiguration
    var relay: RelayConfiguration
    /// `http.listen`: nil when HTTP is off.
    var httpListen: (host: String, port: Int)?
    var logLevel: Logger.Level
    var logFormat: LogFormat
    var shutdownTimeout: Duration
    /// The merged text of every setting and where it came from (for `check-config`).
    var effective: [(key: String, value: String, source: ConfigurationSource)]

    init(
        values: [String: String], kafka properties: [String: String], sources: [String: ConfigurationSource]
    )
        throws(ConfigurationError)
    {
        let typed = TypedValues(values: values, sources: sources)
        let (kafka, roleKafka) = Self.splitByRole(properties)
        self.kafka = kafka
        let decoding = DecodingOptions(
            limits: DecodingLimits(
                maxRecordBytes: try typed.integer(.limitsMaxRecordBytes),
                maxDepth: try typed.integer(.limitsMaxDepth),
                maxJobIDBytes: try typed.integer(.limitsMaxJobIDBytes)),
            unknownStatus: try typed.choice(.statusesUnknown, as: UnknownStatusChoice.self).policy)
        let topics = try typed.list(.inputTopics)
        relay = RelayConfiguration(
            kafka: kafka, inputTopics: topics, group: try typed.nonEmpty(.inputGroup),
            outputTopic: try typed.nonEmpty(.outputTopic), createTopics: try typed.bool(.outputCreate),
            outputPartitions: Int32(clamping: try typed.integer(.outputPartitions)),
            replicationFactor: Int32(clamping: try typed.integer(.outputReplication)),
            deadLetterTopic: try typed.nonEmpty(.dlqTopic),
            delivery: try typed.choice(.delivery, as: DeliveryChoice.self).delivery,
            transactionalID: typed.text(.transactionID), instance: typed.text(.instance),
            transactionInterval: try typed.duration(.transactionInterval),
            maxRecordsPerTransaction: try typed.integer(.transactionMaxRecords),
            ordering: try Self.ordering(typed),
            decoding: decoding, keyMismatch: try typed.choice(.keyMismatch, as: KeyMismatchChoice.self).policy,
            operationTimeout: try typed.duration(.operationTimeout),
            restoreTimeout: try typed.duration(.restoreTimeout))
        relay.roleKafka = roleKafka
        relay.inputKeying = try typed.choice(.inputKeying, as: InputKeyingChoice.self).keying
        let transactionTimeout = try typed.duration(.transactionTimeout)
        // Unset: long enough for the transaction and the commit that other settings allow.
        relay.transactionTimeout =
            typed.source(.transactionTimeout) == .defaultValue
            ? max(transactionTimeout, relay.operationTimeout, relay.transactionInterval * 2) : transactionTimeout
        let instanceID = typed.text(.inputGroupInstanceID).trimmingCharacters(in: .whitespaces)
        relay.groupInstanceID = instanceID.lowercased() == "off" ? nil : instanceID
        relay.connectDeadLetterHeaders = try typed.bool(.dlqConnectHeaders)
        let retention = try typed.duration(.outputFinishedRetention)
        relay.finishedRetention = retention > .zero ? retention : nil
        relay.finishedHorizon = try typed.duration(.outputFinishedHorizon)
        httpListen = try typed.listenAddress(.httpListen)
        logLevel = try typed.logLevel(.logLevel)
        logFormat = try typed.choice(.logFormat, as: LogFormat.self)
        shutdownTimeout = try typed.duration(.shutdownTimeout)
        // The drain's last commit gets three quarters of the stop deadline; the rest closes the clients.
        relay.drainTimeout = RelayConfiguration.Defaults.drainTimeout(forShutdown: shutdownTimeout)
        try Self.checkCombinations(relay: relay, typed: typed)
        var effective: [(String, String, ConfigurationSource)] = ConfigurationSchema.settings.map { setting in
            (setting.key, values[setting.key] ?? setting.defaultValue, sources[setting.key] ?? .defaultValue)
        }
        if relay.transactionTimeout != transactionTimeout,
            let index = effective.firstIndex(where: { $0.0 == ConfigurationSchema.Setting.transactionTimeout.key })
        {
            // Grown to what the other settings need: show the value in use.
            effective[index].1 = "\(relay.transactionTimeout.wholeMilliseconds)ms"
        }
        let roleProperties = ClientRole.allCases.flatMap { role in
            (roleKafka[role]?.redacted ?? []).map { ("\(role.rawValue).\($0.key)", $0.value) }
        }
        for (property, value) in kafka.redacted + roleProperties {
            effective.append(("kafka." + property, value, sources["kafka." + property] ?? .defaultValue))
        }
        self.effective = effective
    }

    /// `dedup.ordering` and, for `field`, the `dedup.order-*` keys that describe the member.
    private static func ordering(_ typed: TypedValues) throws(ConfigurationError) -> DedupOrdering {
        let path = typed.text(.dedupOrderField).trimmingCharacters(in: .whitespaces)
        let kind = try typed.choice(.dedupOrderType, as: OrderTypeChoice.self).kind
        let missing = try typed.choice(.dedupOrderMissing, as: OrderMissingChoice.self).policy
        let ordering = try typed.choice(.dedupOrdering, as: OrderingChoice.self)
        switch ordering {
        case .field:
            guard !path.isEmpty else {
                throw typed.error(
                    .dedupOrderField,
                    "must name the member that orders events when dedup.ordering is field, e.g. meta.sequence")
            }
            guard let field = OrderField(path: path, kind: kind, missing: missing) else {
                throw typed.error(
                    .dedupOrderField,
                    "\"\(path)\" is not a path of extra members like meta.sequence (no empty names; not "
                        + "job_id, status or status_msg)")
            }
            return .field(field)
        case .lifecycle, .arrival:
            guard path.isEmpty else {
                throw typed.error(
                    .dedupOrderField,
                    "is set, but dedup.ordering is \(ordering.rawValue): set dedup.ordering: field to order by it")
            }
            return ordering == .arrival ? .arrival : .lifecycle
        }
    }

    /// `kafka.*` apart from `kafka.consumer.*`, `kafka.producer.*` and `kafka.admin.*`.
    private static func splitByRole(
        _ properties: [String: String]
    ) -> (KafkaConfiguration, [ClientRole: KafkaConfiguration]) {
        var base: [String: String] = [:]
        var roles: [ClientRole: [String: String]] = [:]
        for (key, value) in properties {
            if let role = ClientRole.allCases.first(where: { key.hasPrefix($0.rawValue + ".") }) {
                roles[role, default: [:]][String(key.dropFirst(role.rawValue.count + 1))] = value
            } else {
                base[key] = value
            }
        }
        return (KafkaConfiguration(base), roles.mapValues { KafkaConfiguration($0) })
    }

    private static func checkCombinations(relay: RelayConfiguration, typed: TypedValues) throws(ConfigurationError) {
        let written: [(ConfigurationSchema.Setting, String, String)] = [
            (.outputTopic, relay.outputTopic, "output"), (.dlqTopic, relay.deadLetterTopic, "dead-letter"),
        ]
        for (setting, topic, role) in written where relay.inputTopics.contains(topic) {
            // Blame whichever of the two keys the operator set (it has a line or a variable to point at).
            let blamed = typed.source(setting) == .defaultValue ? .inputTopics : setting
            throw typed.error(
                blamed, "\(topic) is both an input topic and the \(role) topic; the relay would read its own records")
        }
        if relay.outputTopic == relay.deadLetterTopic {
            throw typed.error(.dlqTopic, "must differ from output.topic")
        }
        try checkKeying(relay: relay, typed: typed)
        if relay.transactionInterval < .milliseconds(1) {
            throw typed.error(.transactionInterval, "must be at least 1ms")
        }
        if relay.operationTimeout >= (try typed.duration(.shutdownTimeout)) {
            throw typed.error(
                .operationTimeout,
                "must be shorter than shutdown.timeout, or a drain cannot finish its last commit in time")
        }
        let everyRole = [relay.kafka] + Array(relay.roleKafka.values)
        for (property, setting) in ownedProperties where everyRole.contains(where: { $0[property] != nil }) {
            throw ConfigurationError("kafka.\(property) is set by jobstatusd: use \(setting.key)")
        }
        try checkRoleScopes(relay.roleKafka, typed: typed)
        try checkTransactionTimeout(relay: relay, typed: typed)
        try checkMessageTimeout(relay: relay, typed: typed)
        try checkPollInterval(relay: relay, typed: typed)
    }

    /// `input.keying: any` writes each input record once to the repartition topic only inside
    /// transactions: at least once, a retried batch would write it twice, and a job's records
    /// from different input partitions leave no later record to prove an earlier one handled.
    private static func checkKeying(relay: RelayConfiguration, typed: TypedValues) throws(ConfigurationError) {
        guard relay.inputKeying == .any else { return }
        if relay.delivery == .atLeastOnce {
            throw typed.error(
                .inputKeying,
                "any needs delivery: exactly-once (the repartition stage writes each record once only in "
                    + "transactions); key the input by job_id, or use exactly-once")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8)
        let legal = relay.repartitionTopic.utf8.count <= 249 && relay.repartitionTopic.utf8.allSatisfy(allowed.contains)
        if !legal {
            throw typed.error(
                .inputGroup,
                "names the repartition topic \(relay.repartitionTopic) of input.keying any, which is not a legal topic "
                    + "name (letters, digits, '.', '_', '-', at most 249): choose a group name like that")
        }
        let taken = relay.inputTopics + [relay.outputTopic, relay.deadLetterTopic]
        if taken.contains(relay.repartitionTopic) {
            throw typed.error(
                .inputGroup,
                "\(relay.repartitionTopic) is the repartition topic of input.keying: any and is already an input, "
                    + "output or dead-letter topic; choose another input.group")
        }
    }

    /// The librdkafka properties jobstatusd sets itself, each with the setting that sets it.
    private static let ownedProperties: [(String, ConfigurationSchema.Setting)] = [
        ("transactional.id", .transactionID), ("group.id", .inputGroup),
        ("group.instance.id", .inputGroupInstanceID),
        (RelayConfiguration.ManagedProperty.transactionTimeout, .transactionTimeout),
    ]

    /// Exactly once only: at least once, no transaction is opened and the key has no effect.
    private static func checkTransactionTimeout(
        relay: RelayConfiguration, typed: TypedValues
    ) throws(ConfigurationError) {
        guard relay.delivery == .exactlyOnce else { return }
        let timeout = relay.transactionTimeout
        if let (key, text) = relay.socketTimeoutSetting, let socket = Int64(text),
            socket > timeout.wholeMilliseconds + 100
        {
            throw ConfigurationError(
                key: key, source: typed.source(ofKafkaKey: key),
                "\(socket) is above transaction.timeout + 100 ms (\(timeout.wholeMilliseconds + 100)), which librdkafka "
                    + "refuses for a transactional producer; lower it or raise transaction.timeout")
        }
        guard timeout >= .seconds(1), timeout <= .seconds(900) else {
            throw typed.error(
                .transactionTimeout,
                "must be between 1s (librdkafka's least) and 15m (the broker's transaction.max.timeout.ms by default)")
        }
        guard relay.transactionInterval * 2 <= timeout else {
            throw typed.error(
                .transactionTimeout,
                "must be at least twice transaction.interval (\(relay.transactionInterval)), or a transaction may be "
                    + "aborted by the broker before it commits; raise it or lower transaction.interval")
        }
        guard relay.operationTimeout <= timeout else {
            throw typed.error(
                .transactionTimeout,
                "must be at least operation.timeout (\(relay.operationTimeout)): a commit that waits longer than the "
                    + "broker keeps a transaction open cannot succeed; raise it or lower operation.timeout")
        }
    }

    /// A producer record that times out while queued leaves a gap that no later check sees:
    /// exactly once, librdkafka refuses a `message.timeout.ms` above `transaction.timeout.ms`
    /// (said here with the fix, not at start-up); at least once, it must outlast the longest
    /// wait for delivery (``RelayConfiguration/minimumAtLeastOnceMessageTimeout``).
    private static func checkMessageTimeout(relay: RelayConfiguration, typed: TypedValues) throws(ConfigurationError) {
        guard let (key, text) = relay.messageTimeoutSetting else {
            // librdkafka's default, 300 s, must outlast the wait too (a very long shutdown.timeout).
            let least = relay.minimumAtLeastOnceMessageTimeout
            guard relay.delivery == .exactlyOnce || least <= .seconds(300) else {
                throw ConfigurationError(
                    key: "kafka.message.timeout.ms", source: .defaultValue,
                    "librdkafka's default of 300000 is below \(least.wholeMilliseconds) in at-least-once mode "
                        + "(operation.timeout, shutdown.timeout and transaction.interval allow that long a wait "
                        + "for delivery); set it to at least that, or 0")
            }
            return
        }
        let source = typed.source(ofKafkaKey: key)
        guard let milliseconds = Int64(text), milliseconds >= 0 else {
            throw ConfigurationError(key: key, source: source, "\"\(text)\" is not a whole number of milliseconds")
        }
        if relay.delivery == .exactlyOnce {
            let limit = relay.transactionTimeout.wholeMilliseconds
            guard milliseconds > 0, milliseconds <= limit else {
                throw ConfigurationError(
                    key: key, source: source,
                    "must be 1 to \(limit) (transaction.timeout) in exactly-once mode; unset it to use transaction.timeout"
                )
            }
        } else {
            let least = relay.minimumAtLeastOnceMessageTimeout.wholeMilliseconds
            guard milliseconds == 0 || milliseconds >= least else {
                throw ConfigurationError(
                    key: key, source: source,
                    """
                    \(milliseconds) is below \(least) in at-least-once mode: a record that times out still queued \
                    can leave a gap that a later record of its partition hides from the restore; raise it to at \
                    least \(least) (0 waits for ever), or lower operation.timeout and shutdown.timeout
                    """)
            }
        }
    }

    /// The consumer must not be expelled from the group while a rebalance restores.
    private static func checkPollInterval(relay: RelayConfiguration, typed: TypedValues) throws(ConfigurationError) {
        let least = relay.minimumPollInterval.wholeMilliseconds
        guard least <= RelayConfiguration.maximumPollInterval.wholeMilliseconds else {
            throw typed.error(
                .restoreTimeout,
                "is too long: a restore runs inside the consumer's poll, and librdkafka allows a poll of at most "
                    + "24h (max.poll.interval.ms); lower restore.timeout")
        }
        guard let (key, text) = relay.maxPollIntervalSetting else { return }
        guard let milliseconds = Int64(text), milliseconds >= least else {
            throw ConfigurationError(
                key: key, source: typed.source(ofKafkaKey: key),
                """
                "\(text)" is below \(least): a restore (up to restore.timeout) runs inside the consumer's poll, and \
                librdkafka expels a member whose poll takes longer; raise it, lower restore.timeout, or unset it
                """)
        }
    }

    /// A `kafka.<role>.*` property the role's client would drop (librdkafka's table says it is
    /// for the other kind of client) is a mistake to name, not to ignore.
    private static func checkRoleScopes(
        _ roleKafka: [ClientRole: KafkaConfiguration], typed: TypedValues
    ) throws(ConfigurationError) {
        for (role, kafka) in roleKafka.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for (property, _) in kafka.properties {
                let scope = KafkaPropertyScope.of(property)
                let wrongKind = role == .consumer ? scope == .producer : scope == .consumer
                guard wrongKind else { continue }
                let key = "kafka.\(role.rawValue).\(property)"
                let owner = scope == .producer ? "producer" : "consumer"
                throw ConfigurationError(
                    key: key, source: typed.source(ofKafkaKey: key),
                    "\(property) is a \(owner) property, which the \(role.rawValue) client would ignore; "
                        + "use kafka.\(owner).\(property) or kafka.\(property)")
            }
        }
    }
}
