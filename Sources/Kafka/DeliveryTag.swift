/// A record's sequence number (``DeliveryWindow``) carried through librdkafka's per-message
/// opaque pointer (number + 1, so that no number is the null pointer).
enum DeliveryTag {
    static func opaque(for sequence: UInt64) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(sequence) &+ 1)
    }

    /// The sequence number of `opaque`, `nil` for a record sent without one.
    static func sequence(of opaque: UnsafeMutableRawPointer?) -> UInt64? {
        guard let opaque else { return nil }
        return UInt64(UInt(bitPattern: opaque) &- 1)
    }
}
