/// Finds the end of a JSON string's plain run eight bytes at a time: the decoders' byte-by-byte
/// loops over names and strings were a fifth of the one-pass decoder's time (issue 26).
///
/// Each test sets the high bit of the lanes of a 64-bit word that match (the SWAR "has zero
/// byte" trick, Hacker's Delight 6-1). A lane above a matching one may be set falsely by the
/// borrow, but never a lane below it, so the lowest set lane (the first byte in memory, on a
/// little-endian machine) is always a true match, also of several tests or'ed together.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let quotes = ones &* UInt64(UInt8(ascii: "\""))
    private static let backslashes = ones &* UInt64(UInt8(ascii: "\\"))
    private static let spaces = ones &* 0x20

    /// The offset of the first byte at or after `start` that ends a plain run of a string: a
    /// quote, a backslash or a control character (below 0x20), and with `stopsAtNonASCII` any
    /// byte of 0x80 or more; `bytes.count` when there is none.
    @inline(__always)
    static func firstSpecial(in bytes: UnsafeRawBufferPointer, from start: Int, stopsAtNonASCII: Bool) -> Int {
        var index = start
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            var found = matching(word, quotes) | matching(word, backslashes) | ((word &- spaces) & ~word & highBits)
            if stopsAtNonASCII { found |= word & highBits }
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
                || (stopsAtNonASCII && byte >= 0x80)
            {
                return index
            }
            index += 1
        }
        return index
    }

    /// The high bit set in (at least) the lowest lane of `word` equal to the lanes of `pattern`.
    @inline(__always)
    private static func matching(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
        let difference = word ^ pattern
        return (difference &- ones) & ~difference & highBits
    }

    /// The first eight bytes of `bytes[range]`, big-endian, zero-padded: what
    /// ``CanonicalWriter/Member/prefix`` holds.
    @inline(__always)
    static func bigEndianPrefix(of range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> UInt64 {
        let length = min(range.count, 8)
        guard range.lowerBound + 8 <= bytes.count else {
            var prefix: UInt64 = 0
            for offset in 0..<8 {
                prefix = prefix << 8 | (offset < length ? UInt64(bytes[range.lowerBound + offset]) : 0)
            }
            return prefix
        }
        let word = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self))
        // The bytes past the name are cleared (a shift by 64 or more gives zero in Swift).
        return word & ~(UInt64.max >> (8 * length))
    }
}
