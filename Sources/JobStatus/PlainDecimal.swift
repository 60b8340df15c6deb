/// A number literal whose RFC 8785 form can be written from its own digits: no exponent, at
/// most 15 significant digits, and not below 10^-6 in magnitude (unless zero).
///
/// Any decimal of 15 significant digits or fewer is the shortest one that reads back as its
/// nearest double (a double holds 15 decimal digits: two such decimals never share one), so
/// ECMAScript's `Number::toString` gives the same digits, in fixed notation between 10^-6 and
/// 10^21. Only the layout changes: no minus sign on zero, no trailing zeros in the fraction, and
/// no fraction left empty. Everything else goes to ``JSONParser`` and ``ECMAScriptNumber``.
struct PlainDecimal {
    let isNegative: Bool
    /// The integer part's digits: `0`, or digits with no leading zero.
    let integer: Range<Int>
    /// The fraction's digits without its trailing zeros; empty if none are left.
    let fraction: Range<Int>
    /// Where the literal ends.
    let end: Int

    /// The literal at `start`, or `nil` when it is not a plain decimal (or not a number at all:
    /// the parser's own number path then judges it).
    init?(_ bytes: UnsafeRawBufferPointer, at start: Int) {
        var index = start
        isNegative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if isNegative { index += 1 }
        let integerStart = index
        guard index < bytes.count, Self.isDigit(bytes[index]) else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
        integer = integerStart..<index
        var fractionEnd = index
        var fractionStart = index
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            guard index > fractionStart else { return nil }
            fractionEnd = index
            while fractionEnd > fractionStart, bytes[fractionEnd - 1] == UInt8(ascii: "0") { fractionEnd -= 1 }
        }
        fraction = fractionStart..<fractionEnd
        end = index
        // An exponent, or a digit after a leading zero (invalid): the full path.
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") || Self.isDigit(bytes[index]) { return nil }
        guard bytes[integer.lowerBound] == UInt8(ascii: "0") else {
            guard integer.count + fraction.count <= 15 else { return nil }
            return
        }
        var leadingZeros = 0
        while leadingZeros < fraction.count, bytes[fraction.lowerBound + leadingZeros] == UInt8(ascii: "0") {
            leadingZeros += 1
        }
        guard fraction.isEmpty || (leadingZeros <= 5 && fraction.count - leadingZeros <= 15) else { return nil }
    }

    /// Appends the canonical form.
    func append(from bytes: UnsafeRawBufferPointer, to writer: inout CanonicalWriter) {
        let isZero = fraction.isEmpty && bytes[integer.lowerBound] == UInt8(ascii: "0")
        if isNegative && !isZero { writer.append(UInt8(ascii: "-")) }
        writer.append(bytes, integer)
        guard !fraction.isEmpty else { return }
        writer.append(UInt8(ascii: "."))
        writer.append(bytes, fraction)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
