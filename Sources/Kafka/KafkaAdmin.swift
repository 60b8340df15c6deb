import CRdKafka
public import Logging

/// Cluster administration: create topics, read topic configs, read metadata.
///
/// Each call blocks in librdkafka for up to its timeout, on the admin
/// client's own thread.
public final class KafkaAdmin: Sendable {
    let client: KafkaClient

    /// Creates an admin client (a librdkafka producer handle used only for admin requests).
    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        let context = ClientContext(clientName: "kafka-admin", logger: logger, statisticsHandler: nil)
        client = try KafkaClient(
            type: RD_KAFKA_PRODUCER, configuration: configuration, context: context, threadWatchesEvents: false)
    }

    /// Creates a topic.
    /// - Throws: ``KafkaError`` with code ``KafkaError/Code/topicAlreadyExists`` if it exists,
    ///   ``KafkaError/Code/timedOut`` if the cluster did not answer in time.
    public func createTopic(_ specification: KafkaTopicSpecification, timeout: Duration) async throws(KafkaError) {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        try await client.thread.run { () throws(KafkaError) in
            try Self.createTopic(handle.pointer, specification, timeout: timeout)
        }
    }

    /// The configs of a topic as the broker describes them (name to value; unset or sensitive values omitted).
    ///
    /// Asked of the broker that just answered a metadata request (any broker can describe a
    /// topic's configs; Kafka's own admin client asks the least loaded one): librdkafka would
    /// otherwise wait for the controller, which a cluster that names none (librdkafka's mock
    /// cluster) never reports, until the timeout. Both requests share `timeout`.
    public func describeTopicConfiguration(
        _ topic: String, timeout: Duration
    ) async throws(KafkaError)
        -> [String: String]
    {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        return try await client.thread.run { () throws(KafkaError) in
            try Self.describeTopic(handle.pointer, topic, timeout: timeout)
        }
    }

    /// Brokers and every topic with its partitions. Asks for all topics, so that asking never
    /// auto-creates one (`auto.create.topics.enable` on the broker).
    public func metadata(timeout: Duration) async throws(KafkaError) -> KafkaClusterMetadata {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        return try await client.thread.run { () throws(KafkaError) in
            try Self.metadata(handle.pointer, timeout: timeout)
        }
    }

    /// Destroys the client.
    public func close() async {
        await client.destroy()
    }

    // MARK: - On the admin thread

    private static func createTopic(
        _ handle: OpaquePointer, _ specification: KafkaTopicSpecification, timeout: Duration
    ) throws(KafkaError) {
        var reason = [CChar](repeating: 0, count: 512)
        guard
            let newTopic = rd_kafka_NewTopic_new(
                specification.name, specification.partitions, specification.replicationFactor, &reason, reason.count)
        else {
            throw .invalidArgument("topic \(specification.name): \(cString(reason))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        for (key, value) in specification.configs.sorted(by: { $0.key < $1.key }) {
            try KafkaError.check(rd_kafka_NewTopic_set_config(newTopic, key, value), context: "topic config \(key)")
        }
        let event = try request(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout: timeout, what: "create topic") {
            options, queue in
            var topics: [OpaquePointer?] = [newTopic]
            rd_kafka_CreateTopics(handle, &topics, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
            let topics = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let topic = topics[0]
        else { throw .invalidArgument("create topic \(specification.name): empty result") }
        let error = rd_kafka_topic_result_error(topic)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_topic_result_error_string(topic).map { String(cString: $0) } ?? ""
            var failure = KafkaError(error, context: "create topic \(specification.name)")
            if !text.isEmpty { failure.message += " (\(text))" }
            throw failure
        }
    }

    private static func describeTopic(
        _ handle: OpaquePointer, _ topic: String, timeout: Duration
    ) throws(KafkaError)
        -> [String: String]
    {
        let started = ContinuousClock.now
        let cluster = try metadata(handle, timeout: timeout)
        let broker = cluster.answeredBy ?? cluster.brokers.map(\.id).min()
        let remaining = max(.milliseconds(1), timeout - (ContinuousClock.now - started))
        guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic) else {
            throw .invalidArgument("describe configs of \(topic): cannot create the request")
        }
        defer { rd_kafka_ConfigResource_destroy(resource) }
        let event = try request(
            handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout: remaining, broker: broker,
            what: "describe configs of \(topic)"
        ) { options, queue in
            var resources: [OpaquePointer?] = [resource]
            rd_kafka_DescribeConfigs(handle, &resources, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_DescribeConfigs_result(event),
            let resources = rd_kafka_DescribeConfigs_result_resources(result, &count), count > 0,
            let described = resources[0]
        else { throw .invalidArgument("describe configs of \(topic): empty result") }
        let error = rd_kafka_ConfigResource_error(described)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, context: "describe configs of \(topic)")
        }
        var entryCount = 0
        guard let entries = rd_kafka_ConfigResource_configs(described, &entryCount) else { return [:] }
        var configs: [String: String] = [:]
        for index in 0..<entryCount {
            guard let entry = entries[index], let name = rd_kafka_ConfigEntry_name(entry) else { continue }
            if let value = rd_kafka_ConfigEntry_value(entry) {
                configs[String(cString: name)] = String(cString: value)
            }
        }
        return configs
    }

    static func metadata(
        _ handle: OpaquePointer, timeout: Duration
    ) throws(KafkaError)
        -> KafkaClusterMetadata
    {
        var pointer: UnsafePointer<rd_kafka_metadata>? = nil
        try KafkaError.check(
            rd_kafka_metadata(handle, 1, nil, &pointer, timeout.timeoutMilliseconds), context: "metadata")
        guard let metadata = pointer else { throw .invalidArgument("metadata: empty result") }
        defer { rd_kafka_metadata_destroy(metadata) }
        let raw = metadata.pointee
        let brokers = (0..<Int(raw.broker_cnt)).map { index in
            let broker = raw.brokers[index]
            return KafkaClusterMetadata.Broker(id: broker.id, host: String(cString: broker.host), port: broker.port)
        }
        let topics = (0..<Int(raw.topic_cnt)).map { index in
            let topic = raw.topics[index]
            let partitions = (0..<Int(topic.partition_cnt)).map { partitionIndex in
                let partition = topic.partitions[partitionIndex]
                return KafkaClusterMetadata.Partition(
                    id: KafkaPartition(rawValue: partition.id), leader: partition.leader,
                    replicas: Array(UnsafeBufferPointer(start: partition.replicas, count: Int(partition.replica_cnt))),
                    inSyncReplicas: Array(UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt))),
                    error: KafkaError.Code(partition.err))
            }
            return KafkaClusterMetadata.Topic(
                name: String(cString: topic.topic), partitions: partitions.sorted { $0.id < $1.id },
                error: KafkaError.Code(topic.err))
        }
        let answeredBy = raw.orig_broker_id >= 0 ? raw.orig_broker_id : nil
        return KafkaClusterMetadata(brokers: brokers, topics: topics, answeredBy: answeredBy)
    }

    /// Sends one admin request and waits for its result event (which the caller destroys).
    /// - Parameter broker: the broker to ask, instead of librdkafka's default (the controller).
    private static func request(
        _ handle: OpaquePointer, _ operation: rd_kafka_admin_op_t, timeout: Duration, broker: Int32? = nil,
        what: String, send: (OpaquePointer, OpaquePointer) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        guard let options = rd_kafka_AdminOptions_new(handle, operation), let queue = rd_kafka_queue_new(handle) else {
            throw .invalidArgument("\(what): cannot create the request")
        }
        defer {
            rd_kafka_AdminOptions_destroy(options)
            rd_kafka_queue_destroy(queue)
        }
        var reason = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout.timeoutMilliseconds, &reason, reason.count)
        if operation == RD_KAFKA_ADMIN_OP_CREATETOPICS {
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeout.timeoutMilliseconds, &reason, reason.count)
        }
        if let broker {
            let result = rd_kafka_AdminOptions_set_broker(options, broker, &reason, reason.count)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .invalidArgument("\(what): \(cString(reason))") }
        }
        send(options, queue)
        // A little beyond the request timeout, so librdkafka reports its own timeout first.
        guard let event = rd_kafka_queue_poll(queue, timeout.timeoutMilliseconds &+ 1000) else {
            throw KafkaError(code: .timedOut, message: "\(what): no answer within \(timeout)")
        }
        let error = rd_kafka_event_error(event)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            rd_kafka_event_destroy(event)
            throw KafkaError(code: KafkaError.Code(error), message: "\(what): \(text)")
        }
        return event
    }
}

/// A NUL-terminated C buffer as a String.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
