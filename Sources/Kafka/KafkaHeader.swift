/// A record header: a name and an optional value (Kafka allows null values).
public struct KafkaHeader: Hashable, Sendable {
    /// The header's name; several headers may share one.
    public var name: String
    /// The header's bytes, `nil` for a null value.
    public var value: [UInt8]?

    /// A header with raw bytes, or `nil` for a null value.
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 bytes of `string`.
    public init(name: String, string: String) {
        self.name = name
        self.value = Array(string.utf8)
    }

    /// The value decoded as UTF-8 (invalid bytes repaired), if present.
    public var stringValue: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}
