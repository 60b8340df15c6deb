/// A nonzero finite double as its shortest round-trip digits d1...dk (no
/// leading or trailing zeros) and exponent n, with value = 0.d1...dk x 10^n.
struct ShortestDecimal {
    var isNegative: Bool
    var digits: [UInt8]
    var exponent: Int

    init(_ value: Double) {
        // Swift prints e.g. "1.2345e+20", "0.001", "5e-324", "123.0".
        let text = value.magnitude.description.utf8
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var pointPosition: Int? = nil
        var exponent = 0
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else if byte == UInt8(ascii: "e") {
                var sign = 1
                var magnitude = 0
                while let exponentByte = iterator.next() {
                    switch exponentByte {
                    case UInt8(ascii: "-"): sign = -1
                    case UInt8(ascii: "+"): break
                    default: magnitude = magnitude * 10 + Int(exponentByte - UInt8(ascii: "0"))
                    }
                }
                exponent = sign * magnitude
            } else {
                digits.append(byte)
            }
        }
        var position = (pointPosition ?? digits.count) + exponent
        let leadingZeros = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leadingZeros)
        position -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        self.isNegative = value < 0
        self.digits = digits
        self.exponent = position
    }
}
