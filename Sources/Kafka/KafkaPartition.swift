/// A partition's number within its topic, from 0: a type of its own, so that a partition is
/// never mixed up with a count of partitions, an offset or an index.
public struct KafkaPartition: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The number librdkafka and the protocol use.
    public let rawValue: Int32

    /// Partition `rawValue`.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// A partition written as a number, e.g. `TopicPartition("jobs", 3)`.
    public init(integerLiteral value: Int32) {
        self.rawValue = value
    }

    /// Let librdkafka's partitioner choose (`RD_KAFKA_PARTITION_UA`).
    public static let unassigned = KafkaPartition(rawValue: -1)

    /// Every partition of a topic with `count` partitions, in order.
    public static func all(count: Int32) -> [KafkaPartition] {
        (0..<max(0, count)).map { KafkaPartition(rawValue: $0) }
    }

    /// Orders by number.
    public static func < (lhs: KafkaPartition, rhs: KafkaPartition) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The number, e.g. `3`.
    public var description: String { String(rawValue) }
}
