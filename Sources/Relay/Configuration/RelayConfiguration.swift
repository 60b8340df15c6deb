public import JobStatus
public import Kafka

/// Everything the relay needs; the daemon builds it from `jobstatusd.yaml`,
/// the environment and flags (key names in comments).
public struct RelayConfiguration: Sendable {
    /// `delivery`: exactly once (transactions) or at least once (idempotent producer + commits).
    public struct Delivery: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable {
            case exactlyOnce, atLeastOnce
        }
        let value: Value

        /// One Kafka transaction per batch with the consumed offsets (KIP-447). The default.
        public static let exactlyOnce = Delivery(value: .exactlyOnce)
        /// For brokers without transactions: produce, wait for every delivery report, then commit offsets.
        public static let atLeastOnce = Delivery(value: .atLeastOnce)

        /// The setting's value: `exactly-once` or `at-least-once`.
        public var description: String { value == .exactlyOnce ? "exactly-once" : "at-least-once" }
    }

    /// `kafka.*`: passed to librdkafka unchanged (both clients).
    public var kafka: KafkaConfiguration
    /// `input.topics`
    public var inputTopics: [String]
    /// `input.group`
    public var group: String
    /// `input.keying`: job-id (the default) or any (re-keyed through ``repartitionTopic`` first).
    public var inputKeying: InputKeying = .jobID
    /// The part of the pipeline a loop with this configuration runs (``repartitionStage`` and
    /// ``relayStage`` derive the two of `input.keying: any`).
    var stage: RelayStage = .relay
    /// `output.topic`
    public var outputTopic: String
    /// `output.create`: create the output (compacted) and dead-letter topics when missing.
    public var createTopics: Bool
    /// `output.partitions`: 0 = as many as the (first) input topic.
    public var outputPartitions: Int32
    /// `output.replication`
    public var replicationFactor: Int32
    /// Extra topic configs for a created output topic (beyond `cleanup.policy=compact`); library
    /// users only, not a setting of the daemon.
    public var outputTopicConfigs: [String: String]
    /// `dlq.topic`
    public var deadLetterTopic: String
    /// `delivery`
    public var delivery: Delivery
    /// `transaction.id`: "" derives `jobstatusd-<group>-<host name>`.
    public var transactionalID: String
    /// `dlq.connect-headers`: also write Kafka Connect's `__connect.errors.*` headers on dead letters.
    public var connectDeadLetterHeaders = false
    /// Whether to ask the broker (DescribeConfigs) that an existing output topic is compacted.
    /// Off only for the demo's embedded broker, which never answers and cost 5 s per start.
    public var checksOutputCompaction = true
    /// `kafka.<role>.*`: properties for one kind of client, on top of ``kafka``.
    public var roleKafka: [ClientRole: KafkaConfiguration] = [:]
    /// Names one of several instances on a host: part of the default transactional id.
    public var instance: String
    /// `transaction.interval`: how often the open transaction is committed.
    public var transactionInterval: Duration
    /// `transaction.max-records`: commit early once a transaction holds this many input records.
    public var maxRecordsPerTransaction: Int
    /// `input.group-instance-id`: the consumer's `group.instance.id` (KIP-345 static membership).
    /// `""` (the default) uses the instance's transactional id, stable per instance
    /// (``transactionalID`` or `jobstatusd-<group>-<host name>[-<instance>]`); `nil` turns static
    /// membership off. A static member that dies and is restarted within `session.timeout.ms`
    /// takes its partitions back without a group rebalance, where the broker honours it; a
    /// drain (SIGTERM) still leaves the group and hands them over.
    public var groupInstanceID: String? = ""
    /// `transaction.timeout`: the producer's `transaction.timeout.ms`. A member that dies with a
    /// transaction open holds every `read_committed` reader of the partitions it wrote (the
    /// output's, the DLQ's) until the broker aborts that transaction after this long, or until
    /// the member restarts with the same transactional id. Kafka Streams uses 10 s as well.
    public var transactionTimeout: Duration = Defaults.transactionTimeout
    /// `output.finished-retention`: a job terminal for longer than this gets a tombstone and is
    /// forgotten; `nil` keeps every job (the default).
    public var finishedRetention: Duration?
    /// `output.finished-horizon`: how long a job forgotten by a tombstone is remembered (by a
    /// 128-bit hash of its id), so a late event for it is dropped instead of starting it anew.
    public var finishedHorizon: Duration = Defaults.finishedHorizon
    /// `dedup.ordering`
    public var ordering: DedupOrdering
    /// `statuses.unknown` and `limits.*`
    public var decoding: DecodingOptions
    /// `key-mismatch`
    public var keyMismatch: KeyMismatchPolicy
    /// How long broker round trips (init, commit, admin) may take before they count as failed.
    public var operationTimeout: Duration
    /// How long the drain may take, counted from ``Relay/requestStop()``: keep it below the
    /// service's stop timeout. Exactly-once, its commit gets the first three quarters and an abort
    /// of what could not commit the rest.
    public var drainTimeout: Duration
    /// How long one restore (reading the output and the DLQ to their end) may take before the
    /// relay gives up and exits non-zero.
    public var restoreTimeout: Duration
    /// Receives librdkafka's statistics JSON of the relay's clients (set `statistics.interval.ms`).
    public var statisticsHandler: (@Sendable (String) -> Void)?
    /// A fault switch for tests of the watchdog: while it returns true, the relay loop hangs
    /// without heartbeats, as a stuck loop would. The daemon wires it only in debug builds.
    public var stallSwitch: (@Sendable () -> Bool)?

    /// A configuration; only `kafka` has no default. The defaults are ``Defaults``'s, with
    /// lifecycle ordering, today's decoding limits and key mismatches warned about.
    public init(
        kafka: KafkaConfiguration, inputTopics: [String] = Defaults.inputTopics, group: String = Defaults.group,
        outputTopic: String = Defaults.outputTopic, createTopics: Bool = Defaults.createTopics,
        outputPartitions: Int32 = Defaults.outputPartitions, replicationFactor: Int32 = Defaults.replicationFactor,
        outputTopicConfigs: [String: String] = [:], deadLetterTopic: String = Defaults.deadLetterTopic,
        delivery: Delivery = Defaults.delivery, transactionalID: String = "", instance: String = "",
        transactionInterval: Duration = Defaults.transactionInterval,
        maxRecordsPerTransaction: Int = Defaults.maxRecordsPerTransaction,
        ordering: DedupOrdering = .lifecycle, decoding: DecodingOptions = .default,
        keyMismatch: KeyMismatchPolicy = .warn,
        operationTimeout: Duration = Defaults.operationTimeout, drainTimeout: Duration = Defaults.drainTimeout,
        restoreTimeout: Duration = Defaults.restoreTimeout
    ) {
        self.kafka = kafka
        self.inputTopics = inputTopics
        self.group = group
        self.outputTopic = outputTopic
        self.createTopics = createTopics
        self.outputPartitions = outputPartitions
        self.replicationFactor = replicationFactor
        self.outputTopicConfigs = outputTopicConfigs
        self.deadLetterTopic = deadLetterTopic
        self.delivery = delivery
        self.transactionalID = transactionalID
        self.instance = instance
        self.transactionInterval = transactionInterval
        self.maxRecordsPerTransaction = maxRecordsPerTransaction
        self.ordering = ordering
        self.decoding = decoding
        self.keyMismatch = keyMismatch
        self.operationTimeout = operationTimeout
        self.drainTimeout = drainTimeout
        self.restoreTimeout = restoreTimeout
    }

    /// The properties of one kind of client: ``kafka``, then ``roleKafka``, then a default
    /// `client.id` (`jobstatusd-<group>[-<instance>]-<role>`) so that broker logs and quotas
    /// tell the clients apart.
    public func kafka(for role: ClientRole) -> KafkaConfiguration {
        var merged = kafka.merging(roleKafka[role] ?? KafkaConfiguration())
        if merged["client.id"] == nil {
            let instance = instance.isEmpty ? "" : "-\(instance)"
            merged["client.id"] = "jobstatusd-\(group)\(instance)-\(role.rawValue)"
        }
        return merged
    }
}
