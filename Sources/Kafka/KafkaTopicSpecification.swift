/// A topic to create.
public struct KafkaTopicSpecification: Hashable, Sendable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    /// Topic configs, e.g. `cleanup.policy: compact`, `min.compaction.lag.ms: 0`.
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// What the cluster says of its brokers and topics.
public struct KafkaClusterMetadata: Hashable, Sendable {
    public struct Broker: Hashable, Sendable {
        public var id: Int32
        public var host: String
        public var port: Int32
    }

    public struct Partition: Hashable, Sendable {
        public var id: Int32
        /// The leader broker's id, -1 when there is none.
        public var leader: Int32
        public var replicas: [Int32]
        public var inSyncReplicas: [Int32]
        public var error: KafkaError.Code
    }

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitions: [Partition]
        public var error: KafkaError.Code
    }

    public var brokers: [Broker]
    public var topics: [Topic]
    /// The id of the broker that answered (up a moment ago), when librdkafka knows it.
    public var answeredBy: Int32? = nil

    /// The topic named `name`, if the cluster has it.
    public func topic(_ name: String) -> Topic? {
        topics.first { $0.name == name && $0.error == .noError }
    }
}
