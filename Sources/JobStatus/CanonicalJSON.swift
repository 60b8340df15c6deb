/// RFC 8785 JSON Canonicalization Scheme: members sorted by UTF-16 code
/// units, no whitespace, minimal string escaping, ECMAScript number form.
///
/// Equal values give equal bytes, which dedup fingerprints and Kafka log
/// compaction rely on.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        append(value, to: &output)
        return output
    }

    /// Appends the canonical bytes of `value` to `output`.
    public static func append(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(true): output.append(contentsOf: "true".utf8)
        case .bool(false): output.append(contentsOf: "false".utf8)
        case .number(let number): ECMAScriptNumber.append(number, to: &output)
        case .string(let string): appendString(string, to: &output)
        case .array(let elements): appendArray(elements, to: &output)
        case .object(let object): appendMembers(object.members, to: &output)
        }
    }

    static func appendArray(_ elements: [JSONValue], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (position, element) in elements.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            append(element, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Writes members as an object in canonical order; names must be unique.
    static func appendMembers(_ members: [JSONObject.Member], to output: inout [UInt8]) {
        appendSortedMembers(inCanonicalOrder(members), to: &output)
    }

    /// `members` sorted by name in UTF-16 order; members already in order (nested values of
    /// canonical input, usually) are returned as they are, without the sort's copy.
    static func inCanonicalOrder(_ members: [JSONObject.Member]) -> [JSONObject.Member] {
        let isSorted = zip(members, members.dropFirst()).allSatisfy { UTF16Order.precedes($0.key, $1.key) }
        return isSorted ? members : members.sorted { UTF16Order.precedes($0.key, $1.key) }
    }

    /// Writes members that are already in canonical order as an object.
    static func appendSortedMembers(_ sorted: [JSONObject.Member], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (position, member) in sorted.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            appendString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            append(member.value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// RFC 8785 section 3.2.2.2: escape `"`, `\` and U+0000...U+001F only,
    /// with the two-character forms where JSON has them, else `\u00xx` in lower case.
    public static func appendString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                appendEscape(byte, to: &output)
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x09: output.append(UInt8(ascii: "t"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        }
    }
}
