/// What happened to produced records since the last ``KafkaProducer/takeDeliveryReport()``.
public struct DeliveryReport: Hashable, Sendable {
    /// Records the broker acknowledged.
    public var delivered: Int = 0
    /// Records that failed permanently, with why (at most the first 100 kept).
    public var failures: [KafkaError] = []
    /// How many failed in all.
    public var failedCount: Int = 0
    /// The failed records that were sent with a tag (``KafkaProducer/send(_:tag:)``), by tag:
    /// lets a caller find *which* record the broker refused (at most 10,000 kept).
    public var failedTags: [Int: KafkaError] = [:]

    /// An empty report: nothing delivered, nothing failed.
    public init() {}

    /// Whether nothing failed.
    public var isSuccess: Bool { failedCount == 0 }
}
