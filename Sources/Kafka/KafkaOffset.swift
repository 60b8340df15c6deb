import CRdKafka

/// A position in a partition, with librdkafka's logical offsets as named statics.
public struct KafkaOffset: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The raw offset; negative values are logical offsets.
    public let rawValue: Int64

    /// An offset from its raw value: a position (>= 0) or one of librdkafka's logical offsets.
    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// An offset written as a number, e.g. `TopicPartitionOffset(partition, 42)`.
    public init(integerLiteral value: Int64) {
        self.rawValue = value
    }

    /// The first offset still in the partition.
    public static let beginning = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_BEGINNING))
    /// The offset after the last record.
    public static let end = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_END))
    /// The committed offset of the group.
    public static let stored = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_STORED))
    /// No offset (e.g. nothing committed yet).
    public static let invalid = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_INVALID))

    /// Whether this is a concrete position (>= 0) rather than a logical one.
    public var isConcrete: Bool { rawValue >= 0 }

    /// The offset after this one: where a consumer that handled the record at this offset goes
    /// on, and what it commits. Only meaningful for a concrete offset.
    public var next: KafkaOffset { KafkaOffset(rawValue: rawValue + 1) }

    /// Orders by raw value (logical offsets, being negative, come before every position).
    public static func < (lhs: KafkaOffset, rhs: KafkaOffset) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The offset as a number, or the name of a logical offset (`beginning`, `end`, `stored`,
    /// `invalid`).
    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .stored: "stored"
        case .invalid: "invalid"
        default: String(rawValue)
        }
    }
}
