import JobStatus
import Relay

/// Every setting jobstatusd knows (DESIGN.md section 5), with its type and
/// default: the public contract of `jobstatusd.yaml`, `JOBSTATUSD_*` and `--set`.
/// `kafka.*` is open: any key below it goes to librdkafka as is.
enum ConfigurationSchema {
    enum Kind: Equatable {
        case string
        case stringList
        case bool
        case integer(minimum: Int)
        case duration
        case choice([String])
        case listenAddress
        case logLevel
    }

    struct Setting {
        let key: String
        let kind: Kind
        let defaultValue: String
        let help: String
    }

    static let kafkaPrefix = "kafka."

    static let settings: [Setting] = [
        .inputTopics,
        .inputGroup,
        .inputGroupInstanceID, .inputKeying,
        .outputTopic,
        .outputCreate,
        .outputPartitions,
        .outputReplication,
        .outputFinishedRetention,
        .outputFinishedHorizon,
        .dlqTopic,
        .dlqConnectHeaders,
        .delivery,
        .transactionID,
        .instance,
        .transactionInterval,
        .transactionMaxRecords,
        .transactionTimeout,
        .dedupOrdering,
        .dedupOrderField,
        .dedupOrderType,
        .dedupOrderMissing,
        .statusesUnknown,
        .limitsMaxRecordBytes,
        .limitsMaxDepth,
        .limitsMaxJobIDBytes,
        .keyMismatch,
        .httpListen,
        .logLevel,
        .logFormat,
        .shutdownTimeout,
        .operationTimeout,
        .restoreTimeout,
    ]

    static let kafkaDefaults: [String: String] = ["bootstrap.servers": "localhost:9092"]

    static func setting(_ key: String) -> Setting? {
        settings.first { $0.key == key }
    }

    /// The environment variable of a key: `JOBSTATUSD_` + upper case, `.` and `-` as `_`.
    static func environmentName(_ key: String) -> String {
        "JOBSTATUSD_" + key.uppercased().map { $0 == "." || $0 == "-" ? "_" : String($0) }.joined()
    }

    /// The known key closest to `key`, for "did you mean" hints.
    static func suggestion(for key: String) -> String? {
        let candidates = settings.map(\.key)
        let best = candidates.min { editDistance($0, key) < editDistance($1, key) }
        guard let best, editDistance(best, key) <= max(2, key.count / 4) else { return nil }
        return best
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Every setting, declared once: the reads in `DaemonConfiguration` name these, never a key string.
extension ConfigurationSchema.Setting {
    static let inputTopics = ConfigurationSchema.Setting(
        key: "input.topics", kind: .stringList,
        defaultValue: RelayConfiguration.Defaults.inputTopics.joined(separator: ","), help: "topics to read events from"
    )
    static let inputGroup = ConfigurationSchema.Setting(
        key: "input.group", kind: .string, defaultValue: RelayConfiguration.Defaults.group,
        help: "consumer group of all instances")
    static let inputGroupInstanceID = ConfigurationSchema.Setting(
        key: "input.group-instance-id", kind: .string, defaultValue: "",
        help:
            "group.instance.id (static membership: a restart within the session takes its partitions back without a "
            + "rebalance); empty uses the transactional id, off turns it off")
    static let inputKeying = ConfigurationSchema.Setting(
        key: "input.keying", kind: .choice(of: InputKeyingChoice.self), defaultValue: InputKeyingChoice.jobID.rawValue,
        help:
            "job-id: producers key by job_id with murmur2; any: re-key every record by job_id through "
            + "<group>-repartition first (exactly-once only)")
    static let outputTopic = ConfigurationSchema.Setting(
        key: "output.topic", kind: .string, defaultValue: RelayConfiguration.Defaults.outputTopic,
        help: "compacted output topic")
    static let outputCreate = ConfigurationSchema.Setting(
        key: "output.create", kind: .bool, defaultValue: String(RelayConfiguration.Defaults.createTopics),
        help: "create output and DLQ topics if missing")
    static let outputPartitions = ConfigurationSchema.Setting(
        key: "output.partitions", kind: .integer(minimum: 0),
        defaultValue: String(RelayConfiguration.Defaults.outputPartitions),
        help: "partitions of a created output topic; 0 = as many as the input")
    static let outputReplication = ConfigurationSchema.Setting(
        key: "output.replication", kind: .integer(minimum: 1),
        defaultValue: String(RelayConfiguration.Defaults.replicationFactor),
        help: "replication factor of created topics")
    static let outputFinishedRetention = ConfigurationSchema.Setting(
        key: "output.finished-retention", kind: .duration, defaultValue: "0s",
        help: "tombstone and forget a job terminal for longer than this (e.g. 7d); 0s keeps every job")
    static let outputFinishedHorizon = ConfigurationSchema.Setting(
        key: "output.finished-horizon", kind: .duration,
        defaultValue: DurationText.render(RelayConfiguration.Defaults.finishedHorizon),
        help: "how long a forgotten job is remembered, so a late event for it is dropped (after_terminal)")
    static let dlqTopic = ConfigurationSchema.Setting(
        key: "dlq.topic", kind: .string, defaultValue: RelayConfiguration.Defaults.deadLetterTopic,
        help: "dead-letter topic")
    static let dlqConnectHeaders = ConfigurationSchema.Setting(
        key: "dlq.connect-headers", kind: .bool, defaultValue: "false",
        help: "also write Kafka Connect's __connect.errors.* headers, for tools made for Connect's DLQs")
    static let delivery = ConfigurationSchema.Setting(
        key: "delivery", kind: .choice(of: DeliveryChoice.self),
        defaultValue: DeliveryChoice.exactlyOnce.rawValue,
        help: "transactions, or idempotent produce + offset commits for brokers without transactions")
    static let transactionID = ConfigurationSchema.Setting(
        key: "transaction.id", kind: .string, defaultValue: "",
        help: "transactional.id; empty derives jobstatusd-<group>-<host name>")
    static let instance = ConfigurationSchema.Setting(
        key: "instance", kind: .string, defaultValue: "",
        help:
            "names one of several instances on a host (jobstatusd@NAME sets it); part of the default transaction.id")
    static let transactionInterval = ConfigurationSchema.Setting(
        key: "transaction.interval", kind: .duration,
        defaultValue: DurationText.render(RelayConfiguration.Defaults.transactionInterval), help: "how often to commit")
    static let transactionMaxRecords = ConfigurationSchema.Setting(
        key: "transaction.max-records", kind: .integer(minimum: 1),
        defaultValue: String(RelayConfiguration.Defaults.maxRecordsPerTransaction),
        help: "commit early once a transaction holds this many input records")
    static let transactionTimeout = ConfigurationSchema.Setting(
        key: "transaction.timeout", kind: .duration,
        defaultValue: DurationText.render(RelayConfiguration.Defaults.transactionTimeout),
        help:
            "transaction.timeout.ms: how long a dead instance's open transaction holds read_committed readers "
            + "before the broker aborts it")
    static let dedupOrdering = ConfigurationSchema.Setting(
        key: "dedup.ordering", kind: .choice(of: OrderingChoice.self), defaultValue: OrderingChoice.lifecycle.rawValue,
        help:
            "lifecycle: drop stale and after-terminal events too; arrival: exact duplicates only; "
            + "field: lifecycle, but by the producer's clock in dedup.order-field")
    static let dedupOrderField = ConfigurationSchema.Setting(
        key: "dedup.order-field", kind: .string, defaultValue: "",
        help: "with dedup.ordering: field, the dotted path of the member that orders events, e.g. meta.sequence")
    static let dedupOrderType = ConfigurationSchema.Setting(
        key: "dedup.order-type", kind: .choice(of: OrderTypeChoice.self),
        defaultValue: OrderTypeChoice.integer.rawValue,
        help: "integer: a sequence number; timestamp: ISO 8601 (no offset = UTC) or epoch seconds")
    static let dedupOrderMissing = ConfigurationSchema.Setting(
        key: "dedup.order-missing", kind: .choice(of: OrderMissingChoice.self),
        defaultValue: OrderMissingChoice.deadLetter.rawValue,
        help:
            "an event without a readable order-field: dead-letter it (missing_order_field, invalid_order_field), "
            + "or judge it by the lifecycle rules in arrival order")
    static let statusesUnknown = ConfigurationSchema.Setting(
        key: "statuses.unknown", kind: .choice(of: UnknownStatusChoice.self),
        defaultValue: UnknownStatusChoice.reject.rawValue,
        help: "what to do with a status that is not one of qiskit's seven")
    static let limitsMaxRecordBytes = ConfigurationSchema.Setting(
        key: "limits.max-record-bytes", kind: .integer(minimum: 1),
        defaultValue: String(DecodingLimits.default.maxRecordBytes),
        help: "largest record parsed")
    static let limitsMaxDepth = ConfigurationSchema.Setting(
        key: "limits.max-depth", kind: .integer(minimum: 1), defaultValue: String(DecodingLimits.default.maxDepth),
        help: "deepest nesting")
    static let limitsMaxJobIDBytes = ConfigurationSchema.Setting(
        key: "limits.max-job-id-bytes", kind: .integer(minimum: 1),
        defaultValue: String(DecodingLimits.default.maxJobIDBytes),
        help: "longest job_id in bytes")
    static let keyMismatch = ConfigurationSchema.Setting(
        key: "key-mismatch", kind: .choice(of: KeyMismatchChoice.self), defaultValue: KeyMismatchChoice.warn.rawValue,
        help: "a record key that is not its job_id: publish and count, or dead-letter")
    static let httpListen = ConfigurationSchema.Setting(
        key: "http.listen", kind: .listenAddress, defaultValue: "127.0.0.1:9464",
        help: "host:port of /metrics, /healthz, /readyz, /jobs; empty turns HTTP off")
    static let logLevel = ConfigurationSchema.Setting(
        key: "log.level", kind: .logLevel, defaultValue: "info", help: "trace, debug, info, notice, warning, error")
    static let logFormat = ConfigurationSchema.Setting(
        key: "log.format", kind: .choice(of: LogFormat.self), defaultValue: LogFormat.text.rawValue,
        help: "text for people; json or logfmt (one field per metadata entry) for log shippers")
    static let shutdownTimeout = ConfigurationSchema.Setting(
        key: "shutdown.timeout", kind: .duration,
        defaultValue: DurationText.render(RelayConfiguration.Defaults.shutdownTimeout),
        help: "drain deadline after SIGTERM (keep below the unit's TimeoutStopSec)")
    static let operationTimeout = ConfigurationSchema.Setting(
        key: "operation.timeout", kind: .duration,
        defaultValue: DurationText.render(RelayConfiguration.Defaults.operationTimeout),
        help:
            "longest broker round trip (transaction commit, admin) before it counts as failed; below shutdown.timeout")
    static let restoreTimeout = ConfigurationSchema.Setting(
        key: "restore.timeout", kind: .duration,
        defaultValue: DurationText.render(RelayConfiguration.Defaults.restoreTimeout),
        help: "longest restore (reading output and DLQ to their end) before the daemon exits non-zero")
}
