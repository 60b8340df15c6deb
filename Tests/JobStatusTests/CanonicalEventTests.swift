import PropertyBased
import TestSupport
import Testing

@testable import JobStatus

/// The one-pass path must never disagree with the tree decoder: whatever it accepts, the tree
/// decoder accepts with the same job, status and canonical bytes; and `CanonicalEvent.decode`
/// throws exactly the tree decoder's errors.
@Suite("Canonical event (one-pass decode)")
struct CanonicalEventTests {
    static let seeds = Gen.uint64(in: 0...UInt64.max)

    static let optionSets: [DecodingOptions] = [
        .default,
        DecodingOptions(unknownStatus: .pass),
        DecodingOptions(limits: DecodingLimits(maxRecordBytes: 120, maxDepth: 3, maxJobIDBytes: 6)),
        DecodingOptions(largeIntegers: .round),
    ]

    @Test func takesTheOnePassPathForTheUsualEvent() throws {
        let text = """
            {"job_id": "c2f5-8f3a", "status": "running", "status_msg": "step \\"fit\\"\\n", \
            "backend": "ibm_brisbane", "shots": 1024, "queue_position": -0, "tags": ["a", "b"], \
            "meta": {"ratio": 0.25, "attempt": 1e2, "z": null, "a": [true, false, {}]}}
            """
        let event = try Array(text.utf8).withUnsafeBytes { try JSONParser.canonicalEvent($0, options: .default) }
        #expect(event.jobID == "c2f5-8f3a")
        #expect(event.status == .running)
        let expected = #"""
            {"backend":"ibm_brisbane","job_id":"c2f5-8f3a","meta":{"a":[true,false,{}],"attempt":100,"ratio":0.25,"z":null},"queue_position":0,"shots":1024,"status":"RUNNING","status_msg":"step \"fit\"\n","tags":["a","b"]}
            """#
        #expect(String(decoding: event.canonicalBytes, as: UTF8.self) == expected)
    }

    @Test func agreesWithTheTreeDecoderOnRandomEvents() async {
        var onePass = 0
        var total = 0
        await propertyCheck(count: 400, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let status = Self.asciiNamedStatus(&rng)
            let rendered = Array(Self.render(status.toDict(), &rng).utf8)
            for options in Self.optionSets {
                total += 1
                if Self.expectAgreement(rendered, options) { onePass += 1 }
                for _ in 0..<10 {
                    _ = Self.expectAgreement(CanonicalStatusScannerTests.mutate(rendered, &rng), options)
                }
            }
        }
        // Most of these events have plain names: the one-pass path must be the one tested.
        #expect(onePass * 3 > total, "one-pass path taken for \(onePass) of \(total) events")
    }

    /// Events around the one-pass path's member capacity (members of all open objects at once):
    /// up to it they take that path, beyond it the tree decoder, with the same result either
    /// way; members in reverse order, so every object is rewritten in canonical order.
    @Test(arguments: [0, 1, 2, 3, 4, 20])
    func eventsAroundTheMemberCapacityAgree(extra: Int) {
        let capacity = CanonicalWriter.memberCapacity
        for (nested, width) in [(0, capacity - 3 + extra - 2), (10, capacity - 13 + extra - 2)] {
            let inner = (0..<nested).reversed().map { "\"n\($0)\": \($0)" }.joined(separator: ", ")
            let extras = (0..<width).reversed().map { "\"x\($0)\": \($0)" }.joined(separator: ", ")
            let text = """
                {"status_msg": "ok", "status": "DONE", "job_id": "j", \(extras)\
                \(nested > 0 ? ", \"z\": {\(inner)}" : "")}
                """
            let bytes = Array(text.utf8)
            let onePass = Self.expectAgreement(bytes, .default)
            let open = 3 + width + (nested > 0 ? 1 + nested - 1 : 0)
            #expect(onePass == (open <= capacity), "\(open) members open at most: \(text)")
        }
    }

    /// Names and strings of every length up to three words (the scans read eight bytes at a time,
    /// and short copies go by overlapping words), plain or with a byte that ends a plain run at
    /// each position: an escape, a raw control character, a non-ASCII letter.
    @Test(arguments: ["", "\\\"", "\\n", "\n", "\u{1F}", "é"])
    func namesAndStringsOfEveryLengthAgree(inserted: String) {
        for length in 0...24 {
            for position in 0...length {
                var text = String(repeating: "abcdefgh", count: 4).prefix(length)
                text.insert(contentsOf: inserted, at: text.index(text.startIndex, offsetBy: position))
                for event in [
                    #"{"job_id":"j","status":"DONE","status_msg":"\#(text)"}"#,
                    #"{"\#(text)":1,"job_id":"\#(text)","status":"DONE","status_msg":""}"#,
                    #"{"status_msg":"","status":"DONE","job_id":"j","x":{"\#(text)":["\#(text)"],"_":0}}"#,
                ] {
                    let onePass = Self.expectAgreement(Array(event.utf8), .default)
                    // Plain text takes the one-pass path (an empty job_id is invalid, for the tree to say).
                    if inserted.isEmpty && length > 0 { #expect(onePass, "\(event)") }
                }
            }
        }
    }

    /// Number literals near every edge of the plain-decimal path: significant digits around 15,
    /// leading and trailing zeros, magnitudes around 10^-6 and 10^21, signs, exponents.
    @Test func writesNumbersAsTheTreeDecoderDoes() async {
        await propertyCheck(count: 3000, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let literal = Self.numberLiteral(&rng)
            let text = #"{"job_id":"a","status":"DONE","status_msg":"","x":"# + literal + "}"
            for options in [DecodingOptions.default, DecodingOptions(largeIntegers: .round)] {
                _ = Self.expectAgreement(Array(text.utf8), options)
            }
        }
    }

    /// Status spellings: known names in any case, padded, misspelt, unknown.
    @Test func readsStatusesAsTheTreeDecoderDoes() async {
        await propertyCheck(count: 500, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            var name = (Status.known.randomElement(using: &rng) ?? .done).name
            name = String(name.map { Bool.random(using: &rng) ? Character($0.lowercased()) : $0 })
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: name = " " + name
            case 1: name += "\\t"
            case 2: name.removeLast()
            case 3: name += "X"
            case 4: name = "PAUSED"
            case 5: name = " " + name + "  "
            case 6: name = "   "
            case 7: name = " " + name + " X"
            case 8: name += " "
            default: break
            }
            let text = #"{"job_id":"a","status":""# + name + #"","status_msg":""}"#
            for options in [DecodingOptions.default, DecodingOptions(unknownStatus: .pass)] {
                _ = Self.expectAgreement(Array(text.utf8), options)
            }
        }
    }

    static func numberLiteral(_ rng: inout SplitMix64) -> String {
        func digits(_ count: Int, _ rng: inout SplitMix64) -> String {
            String(
                (0..<count).map { _ in
                    Bool.random(using: &rng) ? "0" : Character(String(Int.random(in: 0...9, using: &rng)))
                })
        }
        var literal = Bool.random(using: &rng) ? "-" : ""
        let integerDigits = Int.random(in: 0...22, using: &rng)
        literal +=
            integerDigits == 0 ? "0" : String(Int.random(in: 1...9, using: &rng)) + digits(integerDigits - 1, &rng)
        if Bool.random(using: &rng) {
            let zeros = String(repeating: "0", count: Int.random(in: 0...8, using: &rng))
            literal += "." + zeros + digits(Int.random(in: 1...18, using: &rng), &rng)
        }
        if Int.random(in: 0..<5, using: &rng) == 0 {
            literal +=
                (["e", "E", "e+", "e-"].randomElement(using: &rng) ?? "e") + String(Int.random(in: 0...30, using: &rng))
        }
        return literal
    }

    @Test(arguments: [
        #"{"job_id":"a","job_id":"b","status":"DONE","status_msg":""}"#,
        #"{"a":{"x":1,"x":2},"job_id":"a","status":"DONE","status_msg":""}"#,
        #"{"b":1,"a":{"y":1,"x":2,"y":3},"job_id":"a","status":"DONE","status_msg":""}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":1e400}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":12345678901234567890}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":9007199254740993}"#,
        #"{"job_id":"","status":"DONE","status_msg":""}"#,
        #"{"job_id":"a","status":"PAUSED","status_msg":""}"#,
        #"{"job_id":"a","status":"D\u004fNE","status_msg":""}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"\ud800"}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"\ud83d\ude00 \u0000 \/"}"#,
        #"{"job_id":"a","status":"DONE"}"#,
        #"{"job_id":"a","status":7,"status_msg":""}"#,
        #"{"job_id":"a","status":"DONE","status_msg":""} x"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":01}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":[1,]}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":NaN}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":-Infinity}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":[-0,-0.0,0.000,1.50,0.000001,0.0000001]}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":[123456789012345,1234567890123456,0.123456789012345]}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":[12345678.90123456,0.1234567890123456,1.]}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":[1.5.2]}"#,
        #"{"job_id":"a","status":"dOnE","status_msg":"","x":-}"#,
        #"{"job_id":"a","status":"done ","status_msg":""}"#,
        #"{"job_id":"a","status":"donee","status_msg":""}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","\u0078":1}"#,
        #"[{"job_id":"a","status":"DONE","status_msg":""}]"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":[[[[[[]]]]]]}"#,
        "{\"job_id\":\"a\",\"status\":\"DONE\",\"status_msg\":\"\u{1}\"}",
        "{\"job_id\":\"a\",\"status\":\"DONE\",\"status_msg\":\"\u{7F}\u{E9}\"}",
        // Names whose bytes differ but that Swift compares equal: duplicates to the tree decoder.
        "{\"e\u{301}\":1,\"job_id\":\"a\",\"status\":\"DONE\",\"status_msg\":\"\",\"\u{E9}\":2}",
        "{\"K\":1,\"job_id\":\"a\",\"status\":\"DONE\",\"status_msg\":\"\",\"\u{212A}\":2}",
    ])
    func agreesWithTheTreeDecoderOnUnusualRecords(_ text: String) {
        for options in Self.optionSets {
            _ = Self.expectAgreement(Array(text.utf8), options)
        }
    }

    /// Checks both paths against the tree decoder; returns whether the one-pass path took it.
    static func expectAgreement(_ bytes: [UInt8], _ options: DecodingOptions) -> Bool {
        let shown = String(decoding: bytes, as: UTF8.self)
        let tree = Result { () throws(InvalidEvent) in try JobStatus.decode(bytes, options: options) }
        let event = Result { () throws(InvalidEvent) in try CanonicalEvent.decode(bytes, options: options) }
        switch (tree, event) {
        case (.success(let status), .success(let event)):
            #expect(event == CanonicalEvent(status), "\(shown)")
        case (.failure(let treeError), .failure(let eventError)):
            #expect(treeError == eventError, "\(shown)")
        default:
            Issue.record("the paths disagree on \(shown): \(tree) vs \(event)")
        }
        let onePass = bytes.withUnsafeBytes { try? JSONParser.canonicalEvent($0, options: options) }
        guard let onePass else { return false }
        #expect(onePass == (try? tree.get()).map(CanonicalEvent.init), "\(shown)")
        return true
    }

    /// `object` as valid, non-canonical JSON, like ``RandomJSON/render(_:_:)``, with the names of
    /// its plain-named objects left unescaped (escaped names go to the tree decoder).
    static func render(_ object: JSONObject, _ rng: inout SplitMix64) -> String {
        let members = object.members.shuffled(using: &rng).map { member in
            let isPlain = member.key.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5C }
            let name = isPlain ? "\"\(member.key)\"" : RandomJSON.renderString(member.key, &rng)
            let value: String
            if case .object(let nested) = member.value {
                value = render(nested, &rng)
            } else {
                value = RandomJSON.render(member.value, &rng)
            }
            return RandomJSON.whitespace(&rng) + name + RandomJSON.whitespace(&rng) + ":" + RandomJSON.whitespace(&rng)
                + value + RandomJSON.whitespace(&rng)
        }
        return "{" + members.joined(separator: ",") + RandomJSON.whitespace(&rng) + "}"
    }

    /// A random event whose member names are short lowercase ASCII (names that share prefixes
    /// test the ordering), with values as varied as ``RandomJSON`` makes them.
    static func asciiNamedStatus(_ rng: inout SplitMix64) -> JobStatus {
        func name(_ rng: inout SplitMix64) -> String {
            String((0..<Int.random(in: 1...3, using: &rng)).map { _ in "abc_".randomElement(using: &rng) ?? "a" })
        }
        func object(_ rng: inout SplitMix64, depth: Int) -> JSONObject {
            var result = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                let value: JSONValue
                if depth < 3 && Int.random(in: 0..<4, using: &rng) == 0 {
                    value = .object(object(&rng, depth: depth + 1))
                } else {
                    value = RandomJSON.value(&rng, depth: depth + 1)
                }
                result[name(&rng)] = value
            }
            return result
        }
        let status = Status.known.randomElement(using: &rng) ?? .running
        let jobID = "j" + RandomJSON.string(&rng, maxLength: 6)
        return JobStatus(
            jobID: jobID, status: status, statusMessage: RandomJSON.string(&rng), extras: object(&rng, depth: 1))
    }
}
