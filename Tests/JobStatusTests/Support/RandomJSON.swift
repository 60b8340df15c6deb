import TestSupport

@testable import JobStatus

/// Random JSON values that exercise the tricky parts of RFC 8785.
enum RandomJSON {
    static let interestingScalars: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1F}", "\u{7F}", "\u{80}", "é", "\u{2028}", "€",
        "\u{FB33}", "\u{FFFF}", "😀", "\u{10FFFF}", "<", ">", "&", "\n", "\t", "\r", "\u{8}", "\u{C}",
    ]

    static func string(_ rng: inout SplitMix64, maxLength: Int = 8) -> String {
        let length = Int.random(in: 0...maxLength, using: &rng)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            if Bool.random(using: &rng) {
                scalars.append(interestingScalars.randomElement(using: &rng) ?? "a")
            } else {
                scalars.append(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &rng)))
            }
        }
        return String(scalars)
    }

    static func number(_ rng: inout SplitMix64) -> Double {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return Double(Int.random(in: -1000...1000, using: &rng))
        case 1: return Double(Int64.random(in: -9_007_199_254_740_991...9_007_199_254_740_991, using: &rng))
        case 2:
            return [0.0, -0.0, 1e21, 1e20, 1e-6, 1e-7, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
                .randomElement(using: &rng)
                ?? 0
        default:
            while true {
                let value = Double(bitPattern: rng.next())
                if value.isFinite { return value }
            }
        }
    }

    static func value(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        let choice = Int.random(in: 0..<(depth >= 3 ? 5 : 7), using: &rng)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(number(&rng))
        case 3, 4: return .string(string(&rng))
        case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default: return .object(object(&rng, depth: depth + 1))
        }
    }

    static func object(_ rng: inout SplitMix64, depth: Int = 0, maxMembers: Int = 5) -> JSONObject {
        var result = JSONObject()
        for _ in 0..<Int.random(in: 0...maxMembers, using: &rng) {
            result[string(&rng, maxLength: 4)] = value(&rng, depth: depth)
        }
        return result
    }

    static func jobStatus(_ rng: inout SplitMix64) -> JobStatus {
        var extras = object(&rng, depth: 1)
        for key in ["job_id", "status", "status_msg"] { extras.removeValue(forKey: key) }
        let jobID = "job-" + string(&rng, maxLength: 6)
        let status = Status.known.randomElement(using: &rng) ?? .running
        return JobStatus(jobID: jobID, status: status, statusMessage: string(&rng), extras: extras)
    }

    // MARK: - Non-canonical renderings of the same value

    /// Writes `value` as valid JSON that is *not* canonical: random whitespace,
    /// shuffled members, escaped characters, other spellings of numbers.
    static func render(_ value: JSONValue, _ rng: inout SplitMix64) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return renderNumber(number, &rng)
        case .string(let string): return renderString(string, &rng)
        case .array(let elements):
            let inner = elements.map { whitespace(&rng) + render($0, &rng) + whitespace(&rng) }
            return "[" + inner.joined(separator: ",") + whitespace(&rng) + "]"
        case .object(let object):
            let members = object.members.shuffled(using: &rng).map { member in
                whitespace(&rng) + renderString(member.key, &rng) + whitespace(&rng) + ":" + whitespace(&rng)
                    + render(member.value, &rng) + whitespace(&rng)
            }
            return "{" + members.joined(separator: ",") + whitespace(&rng) + "}"
        }
    }

    static func whitespace(_ rng: inout SplitMix64) -> String {
        String(
            (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                [" ", "\t", "\n", "\r"].randomElement(using: &rng) ?? " "
            })
    }

    static func renderNumber(_ number: Double, _ rng: inout SplitMix64) -> String {
        if number == number.rounded(), number.magnitude < 1e15, Bool.random(using: &rng) {
            // An integer spelled with a fraction or an exponent: same double.
            return [String(Int64(number)) + ".0", String(Int64(number)) + "e0", String(Int64(number)) + "E+0"]
                .randomElement(using: &rng) ?? "0"
        }
        let text = "\(number)"  // Swift's spelling, e.g. 1e-06 or 4.0: valid JSON, not canonical
        return text
    }

    static func renderString(_ string: String, _ rng: inout SplitMix64) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || Int.random(in: 0..<4, using: &rng) == 0:
                out += unicodeEscape(scalar)
            case "/" where Bool.random(using: &rng): out += "\\/"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        func hex(_ unit: UInt16) -> String {
            let digits = String(unit, radix: 16, uppercase: Bool.random())
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        return String(scalar).utf16.map(hex).joined()
    }
}
