/// A record to produce.
public struct KafkaOutgoingMessage: Hashable, Sendable {
    /// The topic to produce to.
    public var topic: String
    /// A fixed partition, or ``KafkaPartition/unassigned`` for the configured partitioner.
    public var partition: KafkaPartition
    /// The key bytes, `nil` for a null key.
    public var key: [UInt8]?
    /// The value bytes, `nil` for a null value (a tombstone on a compacted topic).
    public var value: [UInt8]?
    /// The record's headers, written in this order.
    public var headers: [KafkaHeader]
    /// The record's CreateTime in milliseconds since the epoch; `nil`: librdkafka's clock at send.
    public var timestampMilliseconds: Int64?

    /// A record to produce; by default librdkafka's partitioner picks the partition and the record
    /// has no headers and librdkafka's send time as its timestamp.
    public init(
        topic: String, partition: KafkaPartition = .unassigned, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }
}
