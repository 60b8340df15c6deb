/// A 128-bit fingerprint of a record's canonical bytes (MurmurHash3 x64 128).
///
/// The dedup table keeps this instead of the bytes: equal canonical bytes
/// give equal fingerprints, and a collision between two different records of
/// the same job (probability about 2^-128 per pair) is the only way a real
/// change could be mistaken for a duplicate.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The first 64 bits of the hash.
    public let high: UInt64
    /// The last 64 bits of the hash.
    public let low: UInt64

    /// A fingerprint from its two halves (tests build known values so).
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The fingerprint of `bytes`.
    public init(of bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { Fingerprint(of: $0) }
    }

    /// The fingerprint of `bytes`.
    public init(of bytes: UnsafeRawBufferPointer) {
        (high, low) = MurmurHash3.hash128(bytes, seed: 0x6A6F_6273)
    }

    /// Both halves in hexadecimal, high then low, for logs; each half without leading zeros, so
    /// the text is not always 32 digits long.
    public var description: String {
        let hex = String(high, radix: 16) + String(low, radix: 16)
        return hex
    }
}
