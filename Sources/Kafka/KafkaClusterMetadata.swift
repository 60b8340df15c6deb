/// What the cluster says of its brokers and topics.
public struct KafkaClusterMetadata: Hashable, Sendable {
    /// A broker of the cluster.
    public struct Broker: Hashable, Sendable {
        /// The broker's id.
        public var id: Int32
        /// The host name the broker advertises.
        public var host: String
        /// The port the broker advertises.
        public var port: Int32
    }

    /// A partition of a topic, as the cluster reports it.
    public struct Partition: Hashable, Sendable {
        /// The partition's number.
        public var id: KafkaPartition
        /// The leader broker's id, -1 when there is none.
        public var leader: Int32
        /// The ids of the brokers that hold a replica.
        public var replicas: [Int32]
        /// The ids of the replicas in sync with the leader.
        public var inSyncReplicas: [Int32]
        /// The partition's error in the metadata response, ``KafkaError/Code/noError`` when there is none.
        public var error: KafkaError.Code
    }

    /// A topic, as the cluster reports it.
    public struct Topic: Hashable, Sendable {
        /// The topic's name.
        public var name: String
        /// The topic's partitions, by number.
        public var partitions: [Partition]
        /// The topic's error in the metadata response (for example ``KafkaError/Code/unknownTopicOrPartition``
        /// or ``KafkaError/Code/topicAuthorizationFailed``), ``KafkaError/Code/noError`` when there is none.
        public var error: KafkaError.Code
    }

    /// The brokers the cluster reported.
    public var brokers: [Broker]
    /// Every topic of the cluster, including those reported with an error.
    public var topics: [Topic]
    /// The id of the broker that answered (up a moment ago), when librdkafka knows it.
    public var answeredBy: Int32? = nil

    /// The topic named `name`, if the cluster has it.
    public func topic(_ name: String) -> Topic? {
        topics.first { $0.name == name && $0.error == .noError }
    }
}
