import Testing

@testable import JobStatus

/// RFC 8785's own examples and the edge cases Swift gets wrong by default.
@Suite("RFC 8785 canonical JSON")
struct CanonicalJSONTests {
    func canonical(_ text: String) throws -> String {
        let value = try JSONValue.parse(Array(text.utf8))
        return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
    }

    /// RFC 8785 section 3.2.2 (and appendix): the worked example.
    @Test func rfcSection322Example() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected =
            #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == expected)
    }

    /// RFC 8785 section 3.2.3: sorting by UTF-16 code units.
    @Test func rfcSection323SortingExample() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\","
            + "\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\","
            + "\"😀\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try canonical(input) == expected)
    }

    @Test func utf16OrderDiffersFromCodePointOrder() {
        // U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it by code point.
        #expect(UTF16Order.precedes("😀", "\u{FB33}"))
        #expect(!UTF16Order.precedes("\u{FB33}", "😀"))
        #expect(UTF16Order.precedes("a", "ab"))
        #expect(!UTF16Order.precedes("ab", "ab"))
        #expect(UTF16Order.precedes("x😀", "x\u{FFFF}"))
        #expect(UTF16Order.precedes("\u{10000}", "\u{10001}"))
        #expect(UTF16Order.precedes("\u{D7FF}", "\u{10000}"))
        // Swift's own `<` disagrees here, which is why we do not use it.
        #expect(("😀" < "\u{FB33}") == false)
    }

    @Test func stringEscapingIsMinimal() throws {
        #expect(try canonical(#"["\u0000\u001f\u007f\b\f\n\r\t"]"#) == "[\"\\u0000\\u001f\u{7F}\\b\\f\\n\\r\\t\"]")
        #expect(try canonical(#"["</script>", "\/", "\u2028\u2029"]"#) == "[\"</script>\",\"/\",\"\u{2028}\u{2029}\"]")
        #expect(try canonical(#"["\ud83d\ude00", "\uD83D\uDE00"]"#) == #"["😀","😀"]"#)
        #expect(try canonical(#"["\"\\"]"#) == #"["\"\\"]"#)
    }

    @Test func noWhitespace() throws {
        #expect(
            try canonical(" { \"b\" : [ 1 , 2 ] ,\n\t\"a\" : { } , \"c\" : [ ] } ") == #"{"a":{},"b":[1,2],"c":[]}"#)
    }

    @Test func nestedObjectsAreSortedToo() throws {
        #expect(
            try canonical(#"{"z":{"b":1,"a":[{"y":0,"x":0}]},"a":0}"#) == #"{"a":0,"z":{"a":[{"x":0,"y":0}],"b":1}}"#)
    }

    @Test func numbersAsEcmaScriptPrintsThem() throws {
        let cases: [(String, String)] = [
            ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("0.000001", "0.000001"), ("1e-7", "1e-7"),
            ("-0", "0"), ("-0.0", "0"), ("4.0", "4"), ("4.50", "4.5"), ("9007199254740991", "9007199254740991"),
            ("-9007199254740991", "-9007199254740991"), ("9007199254740993.0", "9007199254740992"),
            ("1E400e", ""), ("123e-2", "1.23"), ("0.1", "0.1"), ("1e-6", "0.000001"), ("1.5e-7", "1.5e-7"),
            ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"), ("100", "100"),
            ("1e2", "100"), ("12345678901234567890", ""), ("0.30000000000000004", "0.30000000000000004"),
        ]
        for (input, expected) in cases {
            if expected.isEmpty {
                #expect(throws: (any Error).self, "\(input) is no number the decoder accepts") {
                    try canonical("[\(input)]")
                }
            } else {
                #expect(try canonical("[\(input)]") == "[\(expected)]", "\(input)")
            }
        }
    }
}
