import CRdKafka
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// librdkafka's built-in mock Kafka cluster (`rd_kafka_mock_*`, part of the
/// system librdkafka): real brokers speaking the Kafka protocol on loopback
/// TCP ports, with consumer groups, idempotence, the transactional API and
/// fault injection.
///
/// One instance is shared by every client that uses its ``bootstrapServers``
/// (unlike a client's own `test.mock.num.brokers` cluster, which no other
/// client can see). What it does not do (transactional offsets,
/// read_committed filtering, fencing) is listed in the project's brokers.md.
public final class MockCluster: @unchecked Sendable {
    // @unchecked: `cluster` is an immutable pointer; librdkafka's mock API is thread-safe.
    private let host: KafkaClient
    private let cluster: OpaquePointer

    /// `host:port,...` of the mock brokers.
    public let bootstrapServers: String
    /// How many brokers (ids 1...N).
    public let brokerCount: Int

    /// Starts a mock cluster with `brokers` brokers (ids 1...N).
    ///
    /// The process starts ignoring SIGPIPE: the mock brokers write to client sockets that may
    /// close at any moment (a client destroyed, a child process killed), and like any server the
    /// host process must get EPIPE, not die of SIGPIPE.
    public init(brokers: Int = 3, logger: Logger = Logger(label: "kafka.mock")) throws(KafkaError) {
        _ = signal(SIGPIPE, SIG_IGN)
        var configuration = KafkaConfiguration()
        configuration["log.connection.close"] = "false"
        let context = ClientContext(clientName: "kafka-mock", logger: logger, statisticsHandler: nil)
        host = try KafkaClient(
            type: RD_KAFKA_PRODUCER, configuration: configuration, context: context, threadWatchesEvents: false)
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(brokers)) else {
            throw .invalidArgument("cannot start a mock cluster with \(brokers) brokers")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Creates a topic (the mock has no CreateTopics admin support).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor), context: "mock create \(name)")
    }

    /// Makes a broker unreachable (its connections close, new ones are refused).
    public func setBrokerDown(_ broker: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_down(cluster, broker), context: "mock broker \(broker) down")
    }

    /// Brings a broker back.
    public func setBrokerUp(_ broker: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_up(cluster, broker), context: "mock broker \(broker) up")
    }

    /// Delays every response of a broker.
    public func setRoundTripTime(broker: Int32, _ delay: Duration) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_broker_set_rtt(cluster, broker, delay.timeoutMilliseconds),
            context: "mock broker \(broker) rtt")
    }

    /// The next requests of this API (on any broker) fail with these errors, in order.
    public func pushRequestErrors(_ apiKey: KafkaAPIKey, _ errors: [KafkaError.Code]) {
        var native = errors.map(\.native)
        rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, native.count, &native)
    }

    /// Metadata responses report this error for `topic` (``KafkaError/Code/noError`` clears it),
    /// as a broker does for a topic the principal may not Describe.
    public func setTopicError(_ topic: String, _ code: KafkaError.Code) {
        rd_kafka_mock_topic_set_error(cluster, topic, code.native)
    }

    /// Forgets pushed errors of this API.
    public func clearRequestErrors(_ apiKey: KafkaAPIKey) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey.rawValue)
    }

    /// Moves the group or transaction coordinator for `key` to `broker`.
    public func setCoordinator(_ type: CoordinatorType, key: String, broker: Int32) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_coordinator_set(cluster, type.rawValue, key, broker),
            context: "mock \(type.rawValue) coordinator for \(key)")
    }

    /// Moves a partition's leadership to `broker` (-1: no leader).
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker),
            context: "mock leader of \(topic)[\(partition)]")
    }

    /// Which coordinator ``setCoordinator(_:key:broker:)`` moves.
    public struct CoordinatorType: Hashable, Sendable {
        let rawValue: String
        /// The consumer group coordinator; the key is the `group.id`.
        public static let group = CoordinatorType(rawValue: "group")
        /// The transaction coordinator; the key is the `transactional.id`.
        public static let transaction = CoordinatorType(rawValue: "transaction")
    }
}
