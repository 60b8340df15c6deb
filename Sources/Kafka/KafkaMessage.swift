/// A record header: a name and an optional value (Kafka allows null values).
public struct KafkaHeader: Hashable, Sendable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.name = name
        self.value = Array(string.utf8)
    }

    /// The value decoded as UTF-8 (invalid bytes repaired), if present.
    public var stringValue: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

/// A record read from Kafka, copied out of librdkafka's buffers.
public struct KafkaMessage: Hashable, Sendable {
    public var topicPartition: TopicPartition
    public var offset: KafkaOffset
    /// The key bytes, `nil` for a null key.
    public var key: [UInt8]?
    /// The value bytes, `nil` for a null value (a tombstone).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch (create or log-append time), if the broker sent one.
    public var timestampMilliseconds: Int64?

    public init(
        topicPartition: TopicPartition, offset: KafkaOffset, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }

    /// The first header with this name, if any.
    public func header(_ name: String) -> KafkaHeader? {
        headers.first { $0.name == name }
    }
}

/// A record to produce.
public struct KafkaOutgoingMessage: Hashable, Sendable {
    public var topic: String
    /// A fixed partition, or ``TopicPartition/unassignedPartition`` for the configured partitioner.
    public var partition: Int32
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32 = TopicPartition.unassignedPartition, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }
}
