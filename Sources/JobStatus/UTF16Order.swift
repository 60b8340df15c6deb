/// RFC 8785 section 3.2.3 sorts member names by their UTF-16 code units.
///
/// Swift's `String <` compares by Unicode canonical ordering, and UTF-8 byte
/// order equals code point order; both differ from UTF-16 order exactly when
/// a supplementary character (U+10000 and above, a surrogate pair in
/// UTF-16) meets one in U+E000...U+FFFF. This compares UTF-8 bytes and
/// corrects that one case, so ASCII names cost a byte comparison.
enum UTF16Order {
    /// Whether `lhs` sorts strictly before `rhs` by UTF-16 code units.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in precedes(left, right) }
        }
    }

    static func precedes(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        let shared = min(left.count, right.count)
        var index = 0
        while index < shared && left[index] == right[index] { index += 1 }
        if index == shared { return left.count < right.count }
        // Back up to the first byte of the code point that differs (same in both: the prefix is shared).
        var start = index
        while start > 0 && left[start] & 0xC0 == 0x80 { start -= 1 }
        let leftKey = utf16Key(left, at: start)
        let rightKey = utf16Key(right, at: start)
        if leftKey != rightKey { return leftKey < rightKey }
        return left[index] < right[index]
    }

    /// The first UTF-16 code unit of the code point starting at `start`.
    private static func utf16Key(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32 {
        let lead = bytes[start]
        let scalar: UInt32
        switch lead {
        case 0..<0x80: return UInt32(lead)
        case 0xC0..<0xE0:
            scalar = UInt32(lead & 0x1F) << 6 | UInt32(bytes[start + 1] & 0x3F)
        case 0xE0..<0xF0:
            scalar = UInt32(lead & 0x0F) << 12 | UInt32(bytes[start + 1] & 0x3F) << 6 | UInt32(bytes[start + 2] & 0x3F)
        default:
            scalar =
                UInt32(lead & 0x07) << 18 | UInt32(bytes[start + 1] & 0x3F) << 12
                | UInt32(bytes[start + 2] & 0x3F) << 6 | UInt32(bytes[start + 3] & 0x3F)
        }
        return scalar >= 0x10000 ? 0xD800 + ((scalar - 0x10000) >> 10) : scalar
    }
}
