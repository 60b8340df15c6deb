import Testing

@testable import JobStatus

/// Every reason of DESIGN.md section 1, each with inputs that must produce it.
@Suite("Invalid events")
struct InvalidEventTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var reason: InvalidReason
        var options: DecodingOptions = .default
        var testDescription: String { name }

        init(_ name: String, _ text: String, _ reason: InvalidReason, options: DecodingOptions = .default) {
            self.name = name
            self.bytes = Array(text.utf8)
            self.reason = reason
            self.options = options
        }

        init(_ name: String, bytes: [UInt8], _ reason: InvalidReason) {
            self.name = name
            self.bytes = bytes
            self.reason = reason
        }
    }

    static let valid = #"{"job_id":"j","status":"RUNNING","status_msg":"m"}"#

    static let cases: [Case] = [
        // not UTF-8
        Case(
            "lone continuation byte",
            bytes: Array(#"{"job_id":"a"#.utf8) + [0x80] + Array(#"","status":"DONE","status_msg":""}"#.utf8),
            .invalidUTF8),
        Case("overlong slash", bytes: [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D], .invalidUTF8),
        Case("encoded surrogate", bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8),
        Case("above U+10FFFF", bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8),
        Case("truncated sequence", bytes: [0x22, 0xE2, 0x82], .invalidUTF8),
        Case("0xFF byte", bytes: [0xFF], .invalidUTF8),
        // not JSON
        Case("empty", "", .invalidJSON),
        Case("whitespace only", "  \n", .invalidJSON),
        Case("truncated object", #"{"job_id":"a""#, .invalidJSON),
        Case("trailing comma", #"{"job_id":"a","status":"DONE","status_msg":"",}"#, .invalidJSON),
        Case("single quotes", "{'job_id':'a'}", .invalidJSON),
        Case("unquoted key", #"{job_id:"a"}"#, .invalidJSON),
        Case("trailing data", valid + "x", .invalidJSON),
        Case("two objects", valid + valid, .invalidJSON),
        Case("leading zero", #"{"a":01}"#, .invalidJSON),
        Case("bare decimal point", #"{"a":1.}"#, .invalidJSON),
        Case("plus sign", #"{"a":+1}"#, .invalidJSON),
        Case("raw newline in string", "{\"a\":\"x\ny\"}", .invalidJSON),
        Case("raw tab in string", "{\"a\":\"x\ty\"}", .invalidJSON),
        Case("bad escape", #"{"a":"\x"}"#, .invalidJSON),
        Case("short unicode escape", #"{"a":"\u12"}"#, .invalidJSON),
        Case("lone high surrogate", #"{"a":"\ud800"}"#, .invalidJSON),
        Case("lone low surrogate", #"{"a":"\udc00x"}"#, .invalidJSON),
        Case("reversed surrogates", #"{"a":"\udc00\ud800"}"#, .invalidJSON),
        Case("comment", #"{"a":1 /* c */}"#, .invalidJSON),
        Case("byte order mark", "\u{FEFF}" + valid, .invalidJSON),
        Case("bad literal", #"{"a":tru}"#, .invalidJSON),
        // not an object
        Case("array", "[1,2]", .notObject),
        Case("string", #""job""#, .notObject),
        Case("number", "42", .notObject),
        Case("null", "null", .notObject),
        // duplicates
        Case(
            "duplicate required member", #"{"job_id":"a","job_id":"b","status":"DONE","status_msg":""}"#,
            .duplicateMember),
        Case("duplicate extra", #"{"job_id":"a","status":"DONE","status_msg":"","x":1,"x":1}"#, .duplicateMember),
        Case(
            "duplicate after unescaping", #"{"job_id":"a","status":"DONE","status_msg":"","x":1,"\u0078":2}"#,
            .duplicateMember),
        Case(
            "duplicate in nested object", #"{"job_id":"a","status":"DONE","status_msg":"","n":{"k":1,"k":2}}"#,
            .duplicateMember),
        Case(
            "duplicate among many members",
            "{" + (0..<40).map { "\"m\($0)\":\($0)" }.joined(separator: ",") + ",\"m7\":0}", .duplicateMember),
        // required members
        Case("missing job_id", #"{"status":"DONE","status_msg":""}"#, .missingMember),
        Case("missing status", #"{"job_id":"a","status_msg":""}"#, .missingMember),
        Case("missing status_msg", #"{"job_id":"a","status":"DONE"}"#, .missingMember),
        Case("empty object", "{}", .missingMember),
        Case("job_id number", #"{"job_id":1,"status":"DONE","status_msg":""}"#, .memberNotString),
        Case("status null", #"{"job_id":"a","status":null,"status_msg":""}"#, .memberNotString),
        Case("status_msg object", #"{"job_id":"a","status":"DONE","status_msg":{}}"#, .memberNotString),
        Case("empty job_id", #"{"job_id":"","status":"DONE","status_msg":""}"#, .emptyJobID),
        Case(
            "job_id too long",
            #"{"job_id":""# + String(repeating: "x", count: 257) + #"","status":"DONE","status_msg":""}"#, .jobIDTooLong
        ),
        Case(
            "job_id too long in bytes",
            #"{"job_id":""# + String(repeating: "é", count: 129) + #"","status":"DONE","status_msg":""}"#, .jobIDTooLong
        ),
        Case("unknown status", #"{"job_id":"a","status":"PAUSED","status_msg":""}"#, .unknownStatus),
        Case(
            "qiskit enum value, not name", #"{"job_id":"a","status":"job has successfully run","status_msg":""}"#,
            .unknownStatus),
        // numbers
        Case("NaN", #"{"a":NaN}"#, .unrepresentableNumber),
        Case("Infinity", #"{"a":Infinity}"#, .unrepresentableNumber),
        Case("-Infinity", #"{"a":-Infinity}"#, .unrepresentableNumber),
        Case("2^53", #"{"job_id":"a","status":"DONE","status_msg":"","n":9007199254740992}"#, .unrepresentableNumber),
        Case("-2^53", #"{"n":-9007199254740992}"#, .unrepresentableNumber),
        Case("huge integer", #"{"n":123456789012345678901234567890}"#, .unrepresentableNumber),
        Case("overflowing exponent", #"{"n":1e400}"#, .unrepresentableNumber),
        Case("overflowing fraction", #"{"n":-1.8e308}"#, .unrepresentableNumber),
        // limits
        Case("too deep", String(repeating: "[", count: 65) + String(repeating: "]", count: 65), .tooDeep),
        Case(
            "too deep in member",
            #"{"job_id":"a","status":"DONE","status_msg":"","x":"# + String(repeating: "{\"a\":", count: 64) + "1"
                + String(repeating: "}", count: 65), .tooDeep),
        Case(
            "too large",
            #"{"job_id":"a","status":"DONE","status_msg":"","pad":""# + String(repeating: " ", count: 1_048_576)
                + #""}"#, .tooLarge),
        Case(
            "too large with a small limit", valid, .tooLarge,
            options: DecodingOptions(limits: DecodingLimits(maxRecordBytes: 10))),
    ]

    @Test("reason", arguments: cases)
    func reason(_ testCase: Case) {
        #expect(throws: InvalidEvent.self) { try JobStatus.decode(testCase.bytes, options: testCase.options) }
        do {
            _ = try JobStatus.decode(testCase.bytes, options: testCase.options)
        } catch {
            #expect(error.reason == testCase.reason, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func everyReasonHasADistinctStableCode() {
        let codes = InvalidReason.all.map(\.code)
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(code.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(code)")
        }
        // Every reason the decoder can produce is exercised by the table (key_mismatch, output_rejected
        // and the two order-field reasons are the relay's).
        let covered = Set(Self.cases.map(\.reason)).union([
            .keyMismatch, .outputRejected, .missingOrderField, .invalidOrderField,
        ])
        #expect(covered == Set(InvalidReason.all))
    }

    @Test func messagesNameTheMemberAndOffset() throws {
        let error = try #require(throws: InvalidEvent.self) {
            try JobStatus.decode(Array(#"{"job_id":"a","status":"DONE","status_msg":"","x":1,"x":2}"#.utf8))
        }
        #expect(error.description == #"duplicate member name "x" at byte 52"#)
        let notString = try #require(throws: InvalidEvent.self) {
            try JobStatus.decode(Array(#"{"job_id":"a","status":7,"status_msg":""}"#.utf8))
        }
        #expect(notString.description == #"member "status" must be a string, got a number"#)
        let badByte = try #require(throws: InvalidEvent.self) {
            try JobStatus.decode([0x7B, 0x22, 0xFF])
        }
        #expect(badByte.offset == 2)
    }

    @Test func limitsAtTheBoundaryAreAccepted() throws {
        let deep =
            #"{"job_id":"a","status":"DONE","status_msg":"","x":"# + String(repeating: "[", count: 63)
            + String(repeating: "]", count: 63) + "}"
        _ = try JobStatus.decode(Array(deep.utf8))
        let longID = #"{"job_id":""# + String(repeating: "x", count: 256) + #"","status":"DONE","status_msg":""}"#
        _ = try JobStatus.decode(Array(longID.utf8))
        let maxInteger = #"{"job_id":"a","status":"DONE","status_msg":"","n":[9007199254740991,-9007199254740991]}"#
        _ = try JobStatus.decode(Array(maxInteger.utf8))
    }

    @Test func unknownStatusPassesWhenAllowed() throws {
        let bytes = Array(#"{"job_id":"a","status":"  Paused ","status_msg":""}"#.utf8)
        let status = try JobStatus.decode(bytes, options: DecodingOptions(unknownStatus: .pass))
        #expect(status.status.name == "PAUSED")
        #expect(status.status.rank == nil)
        #expect(!status.status.isKnown)
    }
}
