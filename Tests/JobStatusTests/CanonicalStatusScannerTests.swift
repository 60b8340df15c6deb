import PropertyBased
import TestSupport
import Testing

@testable import JobStatus

/// The restore's fast path must never disagree with the full decoder: whatever it accepts, the
/// full decoder accepts with the same status; and it must accept the records the daemon writes.
@Suite("Canonical status scanner")
struct CanonicalStatusScannerTests {
    static let seeds = Gen.uint64(in: 0...UInt64.max)

    @Test func readsTheStatusOfTheRecordsTheDaemonWrites() throws {
        let status = JobStatus(
            jobID: "job-42", status: .running, statusMessage: "step 3 of 7: \"fit\"\n",
            extras: JSONObject(uniqueMembers: [
                .init(key: "backend", value: .string("ibm_kyoto")),
                .init(key: "progress", value: .number(0.75)),
                .init(key: "shots", value: .number(4096)),
                .init(key: "tags", value: .array([.string("a"), .bool(true), .null, .object(JSONObject())])),
                .init(key: "unicode", value: .string("日本")),
            ]))
        let bytes = status.canonicalBytes()
        #expect(CanonicalStatusScanner.status(ofCanonical: bytes) == .running)
        let unknown = JobStatus(jobID: "j", status: Status(passingUnknown: "paused"), statusMessage: "")
        #expect(CanonicalStatusScanner.status(ofCanonical: unknown.canonicalBytes())?.name == "PAUSED")
    }

    @Test func acceptsOnlyWhatTheFullDecoderAcceptsWithTheSameStatus() async {
        await propertyCheck(count: 500, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let canonical = RandomJSON.jobStatus(&rng).canonicalBytes()
            Self.expectAgreement(canonical)
            for _ in 0..<20 {
                Self.expectAgreement(Self.mutate(canonical, &rng))
            }
        }
    }

    @Test(arguments: [
        #"{"job_id":"a","job_id":"b","status":"DONE","status_msg":""}"#,
        #"{"a":{"x":1,"x":2},"job_id":"a","status":"DONE","status_msg":""}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":1e400}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":12345678901234567890}"#,
        #"{"job_id":"a", "status":"DONE","status_msg":""}"#,
        #"{"job_id":"","status":"DONE","status_msg":""}"#,
        #"{"job_id":"a","status":"D\u004fNE","status_msg":""}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"\ud800"}"#,
        #"{"job_id":"a","status":"DONE"}"#,
        #"{"job_id":"a","status":7,"status_msg":""}"#,
        #"{"job_id":"a","status":"DONE","status_msg":""} "#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":01}"#,
        #"{"job_id":"a","status":"DONE","status_msg":"","x":[1,]}"#,
        // Names whose bytes differ but that Swift compares equal: duplicates to the full decoder.
        "{\"e\u{301}\":1,\"job_id\":\"a\",\"status\":\"DONE\",\"status_msg\":\"\",\"\u{E9}\":2}",
        "{\"K\":1,\"job_id\":\"a\",\"status\":\"DONE\",\"status_msg\":\"\",\"\u{212A}\":2}",
        "{\"a\":{\"a\u{301}\u{316}\":1,\"a\u{316}\u{301}\":2},\"job_id\":\"a\",\"status\":\"DONE\",\"status_msg\":\"\"}",
    ])
    func handsEveryUnusualRecordToTheFullDecoder(_ text: String) {
        #expect(CanonicalStatusScanner.status(ofCanonical: Array(text.utf8)) == nil)
        Self.expectAgreement(Array(text.utf8))
    }

    static func expectAgreement(_ bytes: [UInt8]) {
        guard let fast = CanonicalStatusScanner.status(ofCanonical: bytes) else { return }
        let full = try? JobStatus.decode(bytes, options: .restore)
        #expect(full?.status == fast, "\(String(decoding: bytes, as: UTF8.self))")
    }

    /// One small damage: a byte changed to a JSON-significant one, removed, or duplicated, or the
    /// record cut short.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var bytes = bytes
        let significant = Array("{}[]\",:\\0123456789.-eE tfn\u{7F}".utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        let position = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 4 {
        case 0: bytes[position] = significant[Int(rng.next() % UInt64(significant.count))]
        case 1: bytes.remove(at: position)
        case 2: bytes.insert(bytes[position], at: position)
        default: bytes.removeLast(bytes.count - position)
        }
        return bytes
    }
}
