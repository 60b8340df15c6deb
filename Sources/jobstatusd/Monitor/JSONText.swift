/// A small JSON writer for the monitor's API: the records themselves are already canonical JSON
/// and go in as they are; everything else is written here. Strings escape `<`, `>` and `&` too,
/// so that no answer can close a `<script>` element it is placed in.
struct JSONText {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(256) }

    mutating func raw(_ json: [UInt8]) { bytes += json }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": bytes += Array(#"\""#.utf8)
            case "\\": bytes += Array(#"\\"#.utf8)
            case "\n": bytes += Array(#"\n"#.utf8)
            case "\r": bytes += Array(#"\r"#.utf8)
            case "\t": bytes += Array(#"\t"#.utf8)
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                bytes += Array(Self.unicodeEscape(scalar.value).utf8)
            case _ where scalar.value < 0x20:
                bytes += Array(Self.unicodeEscape(scalar.value).utf8)
            default:
                bytes += Array(String(scalar).utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func number(_ value: some BinaryInteger) { bytes += Array("\(value)".utf8) }

    mutating func bool(_ value: Bool) { bytes += Array((value ? "true" : "false").utf8) }

    mutating func null() { bytes += Array("null".utf8) }

    mutating func optional(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// `{ "key": value, ... }`, each value written by `body`'s calls to the member's closure.
    mutating func object(_ body: (inout ObjectWriter) -> Void) {
        var writer = ObjectWriter(text: self)
        writer.text.bytes.append(UInt8(ascii: "{"))
        body(&writer)
        writer.text.bytes.append(UInt8(ascii: "}"))
        self = writer.text
    }

    /// `[ ... ]`, one element per item.
    mutating func array<Items: Sequence>(_ items: Items, _ element: (inout JSONText, Items.Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            element(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    struct ObjectWriter {
        fileprivate var text: JSONText
        private var first = true

        fileprivate init(text: JSONText) { self.text = text }

        mutating func member(_ key: String, _ value: (inout JSONText) -> Void) {
            if !first { text.bytes.append(UInt8(ascii: ",")) }
            first = false
            text.string(key)
            text.bytes.append(UInt8(ascii: ":"))
            value(&text)
        }
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
