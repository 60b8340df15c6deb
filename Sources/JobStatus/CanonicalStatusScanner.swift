/// Reads the status of a record the daemon published without building it: the restore's fast
/// path, which reads every record of the output topic.
///
/// It accepts only the plain shape of a canonical record (RFC 8785: no whitespace, ASCII member
/// names without escapes in strictly increasing order at every level, short numbers
/// without exponents, strings whose escapes are the two-character ones) and gives up, returning
/// `nil`, on anything else, so the caller decodes in full. Whatever it accepts, the full decoder
/// (``JobStatus/decode(_:options:)`` with ``DecodingOptions/restore``) accepts too, with the
/// same status: ASCII names in increasing order are unique, and every number it lets through is
/// a ``PlainDecimal``, which the decoder takes (an integer within 2^53, or a short finite fraction).
public enum CanonicalStatusScanner {
    /// The status of the canonical record `bytes`, or `nil` when it must be decoded in full.
    public static func status(ofCanonical bytes: UnsafeRawBufferPointer) -> Status? {
        guard UTF8Validation.firstInvalidOffset(in: bytes) == nil else { return nil }
        var scanner = Scanner(bytes: bytes)
        return scanner.topLevelStatus()
    }

    /// The status of the canonical record `bytes`, or `nil` when it must be decoded in full.
    public static func status(ofCanonical bytes: [UInt8]) -> Status? {
        bytes.withUnsafeBytes { status(ofCanonical: $0) }
    }

    /// The status, `status_msg` and one extra string member of the canonical record `bytes`,
    /// or `nil` when it must be decoded in full: what a listing of jobs shows (the monitor's
    /// first read of a million records), without building the record.
    ///
    /// Beyond what ``status(ofCanonical:)-swift.type.method`` gives up on, it gives up when
    /// `status_msg` or the extra member's string has an escape, so that the ranges it returns
    /// are the strings' UTF-8 as they are. Whatever it accepts, ``JobStatus/decode(_:options:)``
    /// with ``DecodingOptions/restore`` accepts with the same status, `status_msg`, and
    /// `extras[extra]?.stringValue`.
    public static func overview(ofCanonical bytes: UnsafeRawBufferPointer, extra: StaticString) -> CanonicalOverview? {
        guard UTF8Validation.firstInvalidOffset(in: bytes) == nil else { return nil }
        var scanner = Scanner(bytes: bytes)
        let found = extra.withUTF8Buffer { name in scanner.topLevel(extra: UnsafeRawBufferPointer(name)) }
        guard let found, let status = scanner.plainStatus(found.status),
            !bytes[found.statusMessage].contains(UInt8(ascii: "\\"))
        else { return nil }
        if let extraValue = found.extraString, bytes[extraValue].contains(UInt8(ascii: "\\")) { return nil }
        return CanonicalOverview(status: status, statusMessage: found.statusMessage, extra: found.extraString)
    }

    /// ``overview(ofCanonical:extra:)-swift.type.method`` of an array's bytes.
    public static func overview(ofCanonical bytes: [UInt8], extra: StaticString) -> CanonicalOverview? {
        bytes.withUnsafeBytes { overview(ofCanonical: $0, extra: extra) }
    }
}

private struct Scanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    /// Deeper records exist, but are rare enough to leave to the full decoder.
    static let maxDepth = 32

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Where a canonical record's members are: what ``topLevel(extra:)`` found.
    struct Members {
        var status: Range<Int>
        var statusMessage: Range<Int>
        /// The extra member's string, when the record has it and it is a string.
        var extraString: Range<Int>?
    }

    /// The top-level object with `job_id` (non-empty), `status` and `status_msg` as strings.
    mutating func topLevelStatus() -> Status? {
        topLevel(extra: nil).flatMap { plainStatus($0.status) }
    }

    /// The status named by the bytes `range`: nil when they have an escape (rare: the full
    /// decoder unescapes them).
    /// A known status spelled in ASCII letters (what the daemon writes) is found from the bytes,
    /// with no `String` made: ``Status/init(passingUnknown:)`` finds the same for such text.
    func plainStatus(_ range: Range<Int>) -> Status? {
        let name = UnsafeRawBufferPointer(rebasing: bytes[range])
        if name.allSatisfy({ $0 | 0x20 >= UInt8(ascii: "a") && $0 | 0x20 <= UInt8(ascii: "z") }),
            let known = Status(asciiLetters: name)
        {
            return known
        }
        guard !name.contains(UInt8(ascii: "\\")) else { return nil }
        return Status(passingUnknown: String(decoding: name, as: UTF8.self))
    }

    /// The top-level object with `job_id` (non-empty), `status` and `status_msg` as strings, and
    /// where the member named `extra` is, when it is a string.
    mutating func topLevel(extra: UnsafeRawBufferPointer?) -> Members? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var statusRange: Range<Int>?
        var messageRange: Range<Int>?
        var extraString: Range<Int>?
        var hasJobID = false
        var previousKey: Range<Int>?
        if !consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = memberName(after: previousKey) else { return nil }
                previousKey = key
                let name = UnsafeRawBufferPointer(rebasing: bytes[key])
                switch RequiredMember(name: name) {
                case .jobID?:
                    guard let value = plainString(), !value.isEmpty else { return nil }
                    hasJobID = true
                case .status?:
                    guard let value = plainString() else { return nil }
                    statusRange = value
                case .statusMessage?:
                    guard let value = plainString() else { return nil }
                    messageRange = value
                case nil:
                    if let extra, index < bytes.count, bytes[index] == UInt8(ascii: "\""), name.elementsEqual(extra) {
                        guard let value = plainString() else { return nil }
                        extraString = value
                    } else {
                        guard skipValue(depth: 1) else { return nil }
                    }
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
        }
        guard index == bytes.count, hasJobID, let statusRange, let messageRange else { return nil }
        return Members(status: statusRange, statusMessage: messageRange, extraString: extraString)
    }

    /// An ASCII member name without escapes, sorting strictly after `previous`, and its colon.
    /// ASCII only: the full decoder compares names as Swift strings, where different bytes can be
    /// equal (a precomposed "é" and "e" with a combining accent), so only for ASCII do distinct
    /// bytes mean distinct names.
    private mutating func memberName(after previous: Range<Int>?) -> Range<Int>? {
        guard let key = plainString(), !bytes[key].contains(where: { $0 == UInt8(ascii: "\\") || $0 >= 0x80 }) else {
            return nil
        }
        if let previous {
            let before = UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[previous])
            let after = UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[key])
            guard UTF16Order.precedes(before, after) else { return nil }
        }
        guard consume(UInt8(ascii: ":")) else { return nil }
        return key
    }

    /// A string whose escapes are only `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`: the range
    /// between its quotes.
    private mutating func plainString() -> Range<Int>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return start..<(index - 1)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count, Self.isSimpleEscape(bytes[index + 1]) else { return nil }
                index += 2
            case 0..<0x20:
                return nil
            default:
                index += 1
            }
        }
        return nil
    }

    private static func isSimpleEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            true
        default:
            false
        }
    }

    private mutating func skipValue(depth: Int) -> Bool {
        guard index < bytes.count, depth <= Self.maxDepth else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""): return plainString() != nil
        case UInt8(ascii: "{"): return skipObject(depth: depth)
        case UInt8(ascii: "["): return skipArray(depth: depth)
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return shortNumber()
        }
    }

    private mutating func skipObject(depth: Int) -> Bool {
        index += 1  // '{'
        if consume(UInt8(ascii: "}")) { return true }
        var previous: Range<Int>?
        repeat {
            guard let key = memberName(after: previous), skipValue(depth: depth + 1) else { return false }
            previous = key
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    private mutating func skipArray(depth: Int) -> Bool {
        index += 1  // '['
        if consume(UInt8(ascii: "]")) { return true }
        repeat {
            guard skipValue(depth: depth + 1) else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]"))
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = text.withUTF8Buffer { bytes[index..<(index + count)].elementsEqual($0) }
        if matches { index += count }
        return matches
    }

    /// A number the decoder reads as it is written (``PlainDecimal``); longer numbers and
    /// exponents are left to it.
    private mutating func shortNumber() -> Bool {
        guard let decimal = PlainDecimal(bytes, at: index) else { return false }
        index = decimal.end
        return true
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }
}
