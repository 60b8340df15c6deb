import TestSupport
import Testing

@testable import JobStatus

/// The word-at-a-time scans must find what a byte-by-byte loop finds: the first byte that ends a
/// plain run, wherever it lies against the eight-byte words and the end of the buffer.
@Suite("Byte scan (eight bytes at a time)")
struct ByteScanTests {
    /// Bytes that end a run, and bytes next to them that must not.
    static let special: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x0A, 0x80, 0xC3, 0xFF]
    static let plain: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x61, 0x30]

    static func reference(_ bytes: [UInt8], from start: Int, stopsAtNonASCII: Bool) -> Int {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 || (stopsAtNonASCII && byte >= 0x80) { return index }
            index += 1
        }
        return index
    }

    /// Every length up to three words, every start, every special byte at every position, with
    /// a second special byte after it (the borrow of the first must not hide or move it).
    @Test(arguments: [false, true])
    func findsTheFirstSpecialByteAsALoopDoes(stopsAtNonASCII: Bool) {
        var rng = SplitMix64(seed: 26)
        for length in 0...24 {
            for position in -1..<length {
                for special in Self.special {
                    var bytes = (0..<length).map { _ in Self.plain.randomElement(using: &rng) ?? 0x61 }
                    if position >= 0 { bytes[position] = special }
                    if position + 1 < length, Bool.random(using: &rng) {
                        bytes[position + 1] = Self.special.randomElement(using: &rng) ?? 0x22
                    }
                    for start in 0...length {
                        let found = bytes.withUnsafeBytes {
                            ByteScan.firstSpecial(in: $0, from: start, stopsAtNonASCII: stopsAtNonASCII)
                        }
                        #expect(
                            found == Self.reference(bytes, from: start, stopsAtNonASCII: stopsAtNonASCII),
                            "\(bytes) from \(start)")
                    }
                }
            }
        }
    }

    /// Every range of a buffer: those within eight bytes of its end are read byte by byte.
    @Test func prefixesAreTheFirstEightBytesBigEndianZeroPadded() {
        let bytes = Array("status_msg\"job_id\"x\"".utf8)
        for start in 0...bytes.count {
            for end in start...bytes.count {
                var expected: UInt64 = 0
                for offset in 0..<8 {
                    expected = expected << 8 | (start + offset < end ? UInt64(bytes[start + offset]) : 0)
                }
                let prefix = bytes.withUnsafeBytes { ByteScan.bigEndianPrefix(of: start..<end, in: $0) }
                #expect(prefix == expected, "\(start)..<\(end)")
            }
        }
    }
}
