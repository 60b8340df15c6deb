/// A strict RFC 8259 + I-JSON (RFC 7493) parser over UTF-8 bytes.
///
/// It is the daemon's hot path, so it works on raw bytes with typed throws,
/// builds strings without escapes straight from the input, and keeps
/// objects as member arrays. Every rejection is an ``InvalidEvent`` with a
/// stable reason and the byte offset where it was found:
///
/// - ``InvalidReason/invalidUTF8`` for bytes that are not UTF-8 (checked first);
/// - ``InvalidReason/invalidJSON`` for syntax errors, trailing data, raw
///   control characters in strings, lone surrogate escapes;
/// - ``InvalidReason/duplicateMember`` for a repeated member name (compared
///   after unescaping);
/// - ``InvalidReason/tooDeep`` when arrays/objects nest deeper than the limit;
/// - ``InvalidReason/unrepresentableNumber`` for `NaN`, `Infinity`, integer
///   literals beyond +/-(2^53 - 1), and values that overflow a double.
///   Literals with a fraction or exponent round to the nearest double, as
///   RFC 8785 prescribes.
struct JSONParser: ~Copyable {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    private let roundsLargeIntegers: Bool
    var index = 0
    var depth = 0

    /// The largest integer every JSON implementation agrees on (I-JSON's safe range).
    static let maxSafeInteger: Int64 = 9_007_199_254_740_991

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int, roundsLargeIntegers: Bool) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.roundsLargeIntegers = roundsLargeIntegers
    }

    /// Parses one JSON text that fills `bytes` exactly (surrounding whitespace allowed).
    /// - Parameter roundsLargeIntegers: integer literals beyond +/-(2^53 - 1) round to the nearest
    ///   double instead of being rejected (for reading canonical output back).
    static func parse(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int, roundsLargeIntegers: Bool = false
    ) throws(InvalidEvent) -> JSONValue {
        if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
            throw InvalidEvent(.invalidUTF8, "record is not valid UTF-8", offset: offset)
        }
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth, roundsLargeIntegers: roundsLargeIntegers)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.syntaxError("unexpected data after the JSON value")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(InvalidEvent) -> JSONValue {
        guard index < bytes.count else { throw syntaxError("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"): throw nonFiniteLiteralError()
        default: throw syntaxError("unexpected character \(describeByte(at: index)), expected a value")
        }
    }

    mutating func parseLiteral(_ literal: StaticString, _ value: JSONValue) throws(InvalidEvent) -> JSONValue {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
            inputMatches(literal.utf8Start, count)
        else { throw syntaxError("invalid literal, expected '\(literal)'") }
        index += count
        return value
    }

    /// Whether the `count` bytes at `index` (all in the input) are the ones at `pointer`: a
    /// literal's four or five bytes, fewer than a call to `memcmp` is worth.
    private func inputMatches(_ pointer: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            return false
        }
        return true
    }

    mutating func enterContainer() throws(InvalidEvent) {
        depth += 1
        guard depth <= maxDepth else {
            throw InvalidEvent(.tooDeep, "arrays and objects nest deeper than \(maxDepth) levels", offset: index)
        }
    }

    private mutating func parseObject() throws(InvalidEvent) -> JSONObject {
        try enterContainer()
        index += 1  // '{'
        var members: [JSONObject.Member] = []
        var seen: Set<String>? = nil
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return JSONObject(uniqueMembers: members)
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw syntaxError("expected a member name in double quotes")
            }
            let keyOffset = index
            let key = try parseString()
            try checkUnique(key, among: members, seen: &seen, offset: keyOffset)
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw syntaxError("expected ':' after member name") }
            skipWhitespace()
            let value = try parseValue()
            members.append(JSONObject.Member(key: key, value: value))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) {
                skipWhitespace()
                continue
            }
            guard consume(UInt8(ascii: "}")) else { throw syntaxError("expected ',' or '}' in object") }
            depth -= 1
            return JSONObject(uniqueMembers: members)
        }
    }

    /// Linear search while the object is small (the common case), a set once it grows.
    private func checkUnique(
        _ key: String, among members: [JSONObject.Member], seen: inout Set<String>?, offset: Int
    ) throws(InvalidEvent) {
        let isDuplicate: Bool
        if var set = seen {
            seen = nil  // keep the set uniquely referenced while inserting
            isDuplicate = !set.insert(key).inserted
            seen = set
        } else if members.count < 16 {
            isDuplicate = members.contains { $0.key == key }
        } else {
            var set = Set(members.map(\.key))
            isDuplicate = !set.insert(key).inserted
            seen = set
        }
        if isDuplicate {
            throw InvalidEvent(.duplicateMember, "duplicate member name \(quoted(key))", offset: offset)
        }
    }

    private mutating func parseArray() throws(InvalidEvent) -> [JSONValue] {
        try enterContainer()
        index += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return elements
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            if consume(UInt8(ascii: ",")) {
                skipWhitespace()
                continue
            }
            guard consume(UInt8(ascii: "]")) else { throw syntaxError("expected ',' or ']' in array") }
            depth -= 1
            return elements
        }
    }

    // MARK: - Strings

    mutating func parseString() throws(InvalidEvent) -> String {
        index += 1  // opening quote
        let start = index
        index = ByteScan.firstSpecial(in: bytes, from: start, stopsAtNonASCII: false)
        guard index < bytes.count else { throw syntaxError("unterminated string", at: start - 1) }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            let string = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            index += 1
            return string
        case UInt8(ascii: "\\"):
            return try parseEscapedString(from: start)
        default:
            throw syntaxError("raw control character \(describeByte(at: index)) in a string")
        }
    }

    /// The slow path for strings with escapes: copies into a buffer.
    private mutating func parseEscapedString(from start: Int) throws(InvalidEvent) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(index - start + 16)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &buffer)
            case 0..<0x20:
                throw syntaxError("raw control character \(describeByte(at: index)) in a string")
            default:
                buffer.append(byte)
                index += 1
            }
        }
        throw syntaxError("unterminated string", at: start - 1)
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(InvalidEvent) {
        let escapeOffset = index
        index += 1  // backslash
        guard index < bytes.count else { throw syntaxError("unterminated escape sequence") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let scalar = try parseUnicodeEscape(escapeOffset: escapeOffset)
            appendUTF8(scalar, to: &buffer)
        default:
            throw syntaxError("invalid escape sequence '\\\(Character(Unicode.Scalar(byte)))'", at: escapeOffset)
        }
    }

    /// `\uXXXX`, combining a surrogate pair; a lone surrogate is not Unicode text (I-JSON).
    private mutating func parseUnicodeEscape(escapeOffset: Int) throws(InvalidEvent) -> UInt32 {
        let first = try parseHex4()
        switch first {
        case 0xD800...0xDBFF:
            guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw loneSurrogateError(first, at: escapeOffset) }
            index += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw loneSurrogateError(first, at: escapeOffset) }
            return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        case 0xDC00...0xDFFF:
            throw loneSurrogateError(first, at: escapeOffset)
        default:
            return first
        }
    }

    private mutating func parseHex4() throws(InvalidEvent) -> UInt32 {
        guard index + 4 <= bytes.count else { throw syntaxError("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntaxError("invalid hex digit \(describeByte(at: index)) in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            buffer.append(UInt8(scalar))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | scalar >> 6))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | scalar >> 12))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        default:
            buffer.append(UInt8(0xF0 | scalar >> 18))
            buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: - Numbers

    mutating func parseNumber() throws(InvalidEvent) -> Double {
        let start = index
        let negative = consume(UInt8(ascii: "-"))
        if index < bytes.count, bytes[index] == UInt8(ascii: "I") { throw nonFiniteLiteralError() }
        let integerStart = index
        guard index < bytes.count, isDigit(bytes[index]) else { throw syntaxError("expected a digit in number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw syntaxError("leading zero in number", at: start)
            }
        } else {
            skipDigits()
        }
        let integerEnd = index
        var isInteger = true
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw syntaxError("expected a digit after the decimal point")
            }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw syntaxError("expected a digit in exponent") }
            skipDigits()
        }
        if isInteger {
            return try integerValue(digits: integerStart..<integerEnd, negative: negative, start: start)
        }
        return try floatingValue(start..<index)
    }

    /// Integer literals are exact or rejected: beyond 2^53 - 1 a double would silently change them.
    private func integerValue(digits: Range<Int>, negative: Bool, start: Int) throws(InvalidEvent) -> Double {
        if roundsLargeIntegers && digits.count > 15 { return try floatingValue(start..<index) }
        guard digits.count <= 16 else { throw unsafeIntegerError(start) }
        var value: Int64 = 0
        for offset in digits {
            value = value * 10 + Int64(bytes[offset] - UInt8(ascii: "0"))
        }
        guard value <= Self.maxSafeInteger else { throw unsafeIntegerError(start) }
        if negative { return value == 0 ? -0.0 : -Double(value) }
        return Double(value)
    }

    private func floatingValue(_ range: Range<Int>) throws(InvalidEvent) -> Double {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        guard let value = Double(text) else {
            throw syntaxError("invalid number \(text)", at: range.lowerBound)
        }
        guard value.isFinite else {
            throw InvalidEvent(
                .unrepresentableNumber, "number \(text) is too large for an IEEE 754 double", offset: range.lowerBound)
        }
        return value
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    // MARK: - Helpers

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func describeByte(at offset: Int) -> String {
        let byte = bytes[offset]
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }

    func syntaxError(_ message: String, at offset: Int? = nil) -> InvalidEvent {
        InvalidEvent(.invalidJSON, message, offset: offset ?? index)
    }

    private func loneSurrogateError(_ unit: UInt32, at offset: Int) -> InvalidEvent {
        let hex = String(unit, radix: 16, uppercase: false)
        return InvalidEvent(.invalidJSON, "lone surrogate \\u\(hex) in a string (not Unicode text)", offset: offset)
    }

    private func nonFiniteLiteralError() -> InvalidEvent {
        InvalidEvent(
            .unrepresentableNumber, "NaN and Infinity are not JSON numbers and RFC 8785 cannot carry them",
            offset: index)
    }

    private func unsafeIntegerError(_ start: Int) -> InvalidEvent {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
        return InvalidEvent(
            .unrepresentableNumber,
            "integer \(shown) is outside +/-(2^53 - 1) and would change in a double", offset: start)
    }
}

/// A string in double quotes with quotes and control characters escaped, for error messages.
func quoted(_ string: String, limit: Int = 80) -> String {
    var shown = string.count > limit ? String(string.prefix(limit)) + "..." : string
    shown = shown.unicodeScalars.map { scalar in
        switch scalar {
        case "\"": "\\\""
        case "\\": "\\\\"
        case _ where scalar.value < 0x20: "\\u" + String(scalar.value, radix: 16)
        default: String(scalar)
        }
    }.joined()
    return "\"\(shown)\""
}
