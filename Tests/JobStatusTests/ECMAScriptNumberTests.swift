import PropertyBased
import Testing

@testable import JobStatus

/// ECMA-262 Number::toString, checked against RFC 8785 appendix B.
@Suite("ECMAScript number formatting")
struct ECMAScriptNumberTests {
    /// RFC 8785 appendix B: IEEE 754 bit patterns and their canonical text.
    static let appendixB: [(UInt64, String)] = [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
        (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
        (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"),
        (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"),
        (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"),
        (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
    ]

    @Test func rfc8785AppendixB() {
        for (bits, expected) in Self.appendixB {
            #expect(ECMAScriptNumber.format(Double(bitPattern: bits)) == expected, "\(String(bits, radix: 16))")
        }
    }

    @Test func boundariesOfTheDecimalLayout() {
        #expect(ECMAScriptNumber.format(1e21) == "1e+21")
        #expect(ECMAScriptNumber.format(1e20) == "100000000000000000000")
        #expect(ECMAScriptNumber.format(123e18) == "123000000000000000000")
        #expect(ECMAScriptNumber.format(1.5e21) == "1.5e+21")
        #expect(ECMAScriptNumber.format(1e-6) == "0.000001")
        #expect(ECMAScriptNumber.format(1e-7) == "1e-7")
        #expect(ECMAScriptNumber.format(1.25e-6) == "0.00000125")
        #expect(ECMAScriptNumber.format(-1.5) == "-1.5")
        #expect(ECMAScriptNumber.format(-0.0) == "0")
        #expect(ECMAScriptNumber.format(4.0) == "4")
        #expect(ECMAScriptNumber.format(9_007_199_254_740_991) == "9007199254740991")
        #expect(ECMAScriptNumber.format(Double(bitPattern: 0x4340_0000_0000_0000)) == "9007199254740992")
        #expect(ECMAScriptNumber.format(0.1 + 0.2) == "0.30000000000000004")
    }

    /// Any finite double prints as text that parses back to exactly the same double.
    @Test func everyFiniteDoubleRoundTrips() async {
        await propertyCheck(count: 2000, input: Gen.uint64(in: 0...UInt64.max)) { bits in
            let value = Double(bitPattern: bits)
            guard value.isFinite else { return }
            let text = ECMAScriptNumber.format(value)
            #expect(Double(text) == value, "\(text)")
            #expect(!text.contains("+") || text.contains("e+"))
            #expect(!text.hasSuffix(".0"))
        }
    }
}
