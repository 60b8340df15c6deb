/// A caller's record tag carried through librdkafka's per-message opaque pointer (tag + 1, so
/// that no tag is the null pointer; nil stays nil).
enum DeliveryTag {
    static func opaque(for tag: Int?) -> UnsafeMutableRawPointer? {
        guard let tag, tag >= 0 else { return nil }
        return UnsafeMutableRawPointer(bitPattern: tag + 1)
    }

    static func tag(of opaque: UnsafeMutableRawPointer?) -> Int? {
        guard let opaque else { return nil }
        return Int(bitPattern: opaque) - 1
    }
}
