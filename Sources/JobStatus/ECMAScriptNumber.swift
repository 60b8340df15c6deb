/// Formats a double the way ECMAScript's `Number.prototype.toString` does,
/// which is what RFC 8785 section 3.2.2.3 requires for canonical JSON.
///
/// Swift's `Double.description` already finds the shortest digit string that
/// round-trips (and the closest among equals), which is the digit selection
/// ECMA-262 asks for; only the layout differs (`1e-06`, `-0.0`, `1e+20`,
/// `4.0` in Swift versus `0.000001`, `0`, `100000000000000000000`, `4` in
/// ECMAScript). So the digits and exponent are taken from Swift and laid out
/// by ECMA-262's Number::toString rules.
enum ECMAScriptNumber {
    /// Appends the ECMAScript form of a finite `value` to `output`.
    static func append(_ value: Double, to output: inout [UInt8]) {
        // Fast path: integers with an exact double (all the integers the parser accepts).
        if value.magnitude < 9_007_199_254_740_992, value == value.rounded(.towardZero) {
            appendInteger(Int64(value), to: &output)
            return
        }
        let decimal = ShortestDecimal(value)
        layOut(decimal, to: &output)
    }

    /// The ECMAScript form as a string.
    static func format(_ value: Double) -> String {
        var output: [UInt8] = []
        append(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64) = (0, 0)  // up to 16 digits, written backwards into a small stack buffer
        withUnsafeMutableBytes(of: &digits) { buffer in
            var position = buffer.count
            while magnitude > 0 {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            output.append(contentsOf: buffer[position...])
        }
    }

    /// ECMA-262 Number::toString, steps 6 to 10, for value = 0.d1d2...dk x 10^n.
    private static func layOut(_ decimal: ShortestDecimal, to output: inout [UInt8]) {
        let digits = decimal.digits
        let k = digits.count
        let n = decimal.exponent
        if decimal.isNegative { output.append(UInt8(ascii: "-")) }
        if k <= n && n <= 21 {
            output.append(contentsOf: digits)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            output.append(contentsOf: digits[0..<n])
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            output.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")])
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            output.append(contentsOf: digits)
        } else {
            output.append(digits[0])
            if k > 1 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: digits[1...])
            }
            output.append(UInt8(ascii: "e"))
            output.append(n - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            output.append(contentsOf: String((n - 1).magnitude).utf8)
        }
    }
}
