import CRdKafka

/// A position in a partition, with librdkafka's logical offsets as named statics.
public struct KafkaOffset: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The raw offset; negative values are logical offsets.
    public let rawValue: Int64

    public init(rawValue: Int64) {
        self.rawValue = rawValue
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

    public static func < (lhs: KafkaOffset, rhs: KafkaOffset) -> Bool { lhs.rawValue < rhs.rawValue }

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
