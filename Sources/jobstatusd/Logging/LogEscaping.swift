/// Escaping that keeps one log event on one line, whatever its text holds.
enum LogEscaping {
    /// A JSON string literal (RFC 8259): quote, backslash and control characters escaped.
    static func jsonString(_ text: String) -> String {
        "\"" + escaped(text, quotes: true) + "\""
    }

    /// A logfmt value: bare when it has no space, quote, `=` or control character; quoted and
    /// escaped otherwise (and always when asked, as for `msg`).
    static func logfmtValue(_ text: String, alwaysQuote: Bool = false) -> String {
        let needsQuotes =
            alwaysQuote || text.isEmpty
            || text.unicodeScalars.contains {
                $0 == " " || $0 == "\"" || $0 == "=" || isControl($0)
            }
        return needsQuotes ? jsonString(text) : text
    }

    /// A logfmt key: anything but letters, digits and `._-` becomes `_`.
    static func logfmtKey(_ key: String) -> String {
        String(
            key.unicodeScalars.map { scalar in
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar)
                    ? Character(scalar) : "_"
            })
    }

    /// Text with control characters (newlines included) written as `\n`, `\u0007`, ...
    static func controlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return escaped(text, quotes: false)
    }

    /// Control characters as JSON escapes; quote and backslash too when `quotes`.
    private static func escaped(_ text: String, quotes: Bool) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"" where quotes: result += "\\\""
            case "\\" where quotes: result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar): result += "\\u" + hex4(scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 controls and DEL: what would break a line or drive a terminal.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
