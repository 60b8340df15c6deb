/// The one-pass path from an event's bytes to its canonical bytes, with no ``JSONValue`` tree.
///
/// It reads with the tree parser's own scanning code (whitespace, literals, numbers, strings,
/// escapes, depth) and writes each value in RFC 8785 form as it goes; an object's members are put
/// in order when it closes, by moving bytes already written. The three required members are
/// checked as ``JobStatus/fromDict(_:options:)`` checks them, and `status` is written in its
/// canonical name.
///
/// It accepts only what the tree decoder accepts, with the same canonical bytes. It throws for
/// anything else, and also for the shapes it leaves to the tree decoder: a member name with an
/// escape or a non-ASCII byte (Swift compares those as Unicode text when it looks for a
/// duplicate). A throw here is never reported: ``CanonicalEvent/decode(_:options:)`` then runs
/// the tree decoder, whose error is the one that counts.
extension JSONParser {
    /// Decodes `bytes` into an event by the one-pass path; throws when the tree decoder must judge.
    static func canonicalEvent(
        _ bytes: UnsafeRawBufferPointer, options: DecodingOptions
    ) throws(InvalidEvent) -> CanonicalEvent {
        let capacity = bytes.count + canonicalSlack
        guard bytes.count <= options.limits.maxRecordBytes, capacity <= CanonicalWriter.maxOffset,
            UTF8Validation.firstInvalidOffset(in: bytes) == nil
        else { throw leftToTreeDecoder }
        var decoded: (jobID: String, status: Status)?
        // Written in place into the result's storage. Canonical bytes are rarely longer than the
        // input (only exponents written out, like 1e20, grow much); those that do not fit go to
        // the tree decoder.
        let canonical = [UInt8](unsafeUninitializedCapacity: capacity) { output, initialized in
            withUnsafeTemporaryAllocation(
                of: CanonicalWriter.Member.self, capacity: CanonicalWriter.memberCapacity
            ) { members in
                var writer = CanonicalWriter(output: output, members: members, unknownStatus: options.unknownStatus)
                decoded = try? canonicalEvent(bytes, options: options, writer: &writer)
                initialized = writer.overflowed ? 0 : writer.count
            }
        }
        guard let decoded, !canonical.isEmpty else { throw leftToTreeDecoder }
        return CanonicalEvent(jobID: decoded.jobID, status: decoded.status, canonicalBytes: canonical)
    }

    /// Room beyond the input's length for the canonical bytes: an event whose canonical form
    /// grows more (exponents written out, like 1e20) goes to the tree decoder.
    static let canonicalSlack = 64

    private static func canonicalEvent(
        _ bytes: UnsafeRawBufferPointer, options: DecodingOptions, writer: inout CanonicalWriter
    ) throws(InvalidEvent) -> (jobID: String, status: Status) {
        var parser = JSONParser(
            bytes: bytes, maxDepth: options.limits.maxDepth, roundsLargeIntegers: options.largeIntegers == .round)
        parser.skipWhitespace()
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else { throw leftToTreeDecoder }
        try parser.writeObject(to: &writer)
        parser.skipWhitespace()
        guard parser.index == bytes.count, let jobID = writer.jobID, let status = writer.status,
            writer.hasStatusMessage, !jobID.isEmpty, jobID.utf8.count <= options.limits.maxJobIDBytes
        else { throw leftToTreeDecoder }
        return (jobID, status)
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)

    /// Thrown for whatever the tree decoder must judge; never shown to anyone.
    static var leftToTreeDecoder: InvalidEvent {
        InvalidEvent(.invalidJSON, "left to the tree decoder")
    }

    // MARK: - Values

    private mutating func writeValue(to writer: inout CanonicalWriter) throws(InvalidEvent) {
        guard index < bytes.count else { throw Self.leftToTreeDecoder }
        switch bytes[index] {
        case UInt8(ascii: "{"): try writeObject(to: &writer)
        case UInt8(ascii: "["): try writeArray(to: &writer)
        case UInt8(ascii: "\""): try writeString(to: &writer)
        case UInt8(ascii: "t"):
            _ = try parseLiteral("true", .bool(true))
            writer.append(Self.trueBytes)
        case UInt8(ascii: "f"):
            _ = try parseLiteral("false", .bool(false))
            writer.append(Self.falseBytes)
        case UInt8(ascii: "n"):
            _ = try parseLiteral("null", .null)
            writer.append(Self.nullBytes)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if let decimal = PlainDecimal(bytes, at: index) {
                decimal.append(from: bytes, to: &writer)
                index = decimal.end
            } else {
                var number: [UInt8] = []
                ECMAScriptNumber.append(try parseNumber(), to: &number)
                writer.append(number)
            }
        default:
            throw Self.leftToTreeDecoder
        }
    }

    /// An object; at the top level (the event itself) the three required members are checked.
    private mutating func writeObject(to writer: inout CanonicalWriter) throws(InvalidEvent) {
        try enterContainer()
        let isEvent = depth == 1
        index += 1  // '{'
        let objectStart = writer.count
        let firstMember = writer.memberCount
        writer.append(UInt8(ascii: "{"))
        skipWhitespace()
        if !consume(UInt8(ascii: "}")) {
            try writeMembers(to: &writer, isEvent: isEvent, firstMember: firstMember)
        }
        depth -= 1
        try writer.orderMembers(from: firstMember, objectStart: objectStart, names: bytes)
        writer.append(UInt8(ascii: "}"))
    }

    private mutating func writeMembers(
        to writer: inout CanonicalWriter, isEvent: Bool, firstMember: Int
    ) throws(InvalidEvent) {
        while true {
            let (name, prefix) = try scanPlainName()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw Self.leftToTreeDecoder }
            skipWhitespace()
            if writer.memberCount > firstMember { writer.append(UInt8(ascii: ",")) }
            let memberStart = writer.count
            writer.append(bytes, (name.lowerBound - 1)..<(name.upperBound + 1))
            writer.append(UInt8(ascii: ":"))
            if isEvent,
                let required = RequiredMember(name: UnsafeRawBufferPointer(rebasing: bytes[name]), prefix: prefix)
            {
                try writeRequired(required, to: &writer)
            } else {
                try writeValue(to: &writer)
            }
            try writer.add(CanonicalWriter.Member(name: name, prefix: prefix, output: memberStart..<writer.count))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) {
                skipWhitespace()
                continue
            }
            guard consume(UInt8(ascii: "}")) else { throw Self.leftToTreeDecoder }
            return
        }
    }

    /// A member name in quotes, as the range of its bytes and their ``CanonicalWriter/Member/prefix``;
    /// only printable ASCII with no escape.
    private mutating func scanPlainName() throws(InvalidEvent) -> (name: Range<Int>, prefix: UInt64) {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Self.leftToTreeDecoder }
        let start = index + 1
        index = ByteScan.firstSpecial(in: bytes, from: start, stopsAtNonASCII: true)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Self.leftToTreeDecoder }
        index += 1
        let name = start..<(index - 1)
        return (name, ByteScan.bigEndianPrefix(of: name, in: bytes))
    }

    private mutating func writeArray(to writer: inout CanonicalWriter) throws(InvalidEvent) {
        try enterContainer()
        index += 1  // '['
        writer.append(UInt8(ascii: "["))
        skipWhitespace()
        if !consume(UInt8(ascii: "]")) {
            while true {
                try writeValue(to: &writer)
                skipWhitespace()
                if consume(UInt8(ascii: ",")) {
                    writer.append(UInt8(ascii: ","))
                    skipWhitespace()
                    continue
                }
                guard consume(UInt8(ascii: "]")) else { throw Self.leftToTreeDecoder }
                break
            }
        }
        depth -= 1
        writer.append(UInt8(ascii: "]"))
    }

    /// A string's text, as ``writeString(to:)`` read it.
    private enum StringContent {
        /// No escape: the text is these bytes of the input.
        case plain(Range<Int>)
        /// Escaped: the text decoded.
        case escaped(String)
    }

    /// A string: copied as it is when it has no escape (then it is already canonical: no control
    /// character, quote or backslash can be in it), else decoded and written again.
    @discardableResult
    private mutating func writeString(to writer: inout CanonicalWriter) throws(InvalidEvent) -> StringContent {
        let quote = index
        let end = ByteScan.firstSpecial(in: bytes, from: quote + 1, stopsAtNonASCII: false)
        guard end < bytes.count else { throw Self.leftToTreeDecoder }
        switch bytes[end] {
        case UInt8(ascii: "\""):
            index = end + 1
            writer.append(bytes, quote..<index)
            return .plain((quote + 1)..<end)
        case UInt8(ascii: "\\"):
            let text = try parseString()
            writer.appendString(text)
            return .escaped(text)
        default:  // a control character
            throw Self.leftToTreeDecoder
        }
    }

    // MARK: - Required members

    private mutating func writeRequired(_ member: RequiredMember, to writer: inout CanonicalWriter) throws(InvalidEvent)
    {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Self.leftToTreeDecoder }
        switch member {
        case .jobID:
            switch try writeString(to: &writer) {
            case .plain(let range):
                writer.jobID = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            case .escaped(let text):
                writer.jobID = text
            }
        case .status:
            if let known = scanKnownStatus() {
                writer.status = known
                writer.appendQuoted(plain: known.name)
                return
            }
            let status = try JobStatus.status(from: try parseString(), policy: writer.unknownStatus)
            writer.status = status
            writer.appendString(status.name)
        case .statusMessage:
            try writeString(to: &writer)
            writer.hasStatusMessage = true
        }
    }

    /// A `status` string of ASCII letters that names a known status in any case, with spaces
    /// around it or none (what ``Status/init(_:)`` finds for it once trimmed; other whitespace
    /// is escaped in a JSON string, and left to the general path); `nil` leaves the index unmoved.
    private mutating func scanKnownStatus() -> Status? {
        var start = index + 1
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        var end = start
        while end < bytes.count, bytes[end] | 0x20 >= UInt8(ascii: "a"), bytes[end] | 0x20 <= UInt8(ascii: "z") {
            end += 1
        }
        var close = end
        while close < bytes.count, bytes[close] == UInt8(ascii: " ") { close += 1 }
        guard close < bytes.count, bytes[close] == UInt8(ascii: "\""),
            let status = Status(asciiLetters: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        else { return nil }
        index = close + 1
        return status
    }
}
