/// A topic to create.
public struct KafkaTopicSpecification: Hashable, Sendable {
    /// The topic's name.
    public var name: String
    /// How many partitions to create.
    public var partitions: Int32
    /// How many replicas each partition has; at most the number of brokers.
    public var replicationFactor: Int32
    /// Topic configs, e.g. `cleanup.policy: compact`, `min.compaction.lag.ms: 0`.
    public var configs: [String: String]

    /// A topic to create; `configs` default to the broker's topic defaults.
    public init(name: String, partitions: Int32, replicationFactor: Int32, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}
