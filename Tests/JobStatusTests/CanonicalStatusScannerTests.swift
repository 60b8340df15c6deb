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
            let canonical = Self.withBackend(RandomJSON.jobStatus(&rng), &rng).canonicalBytes()
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
        #expect(CanonicalStatusScanner.overview(ofCanonical: Array(text.utf8), extra: "backend") == nil)
        Self.expectAgreement(Array(text.utf8))
    }

    /// `status` with a `backend` member two times in three: a string (escapes and all), or any value.
    static func withBackend(_ status: JobStatus, _ rng: inout SplitMix64) -> JobStatus {
        var extras = status.extras
        switch rng.next() % 3 {
        case 0: extras["backend"] = .string(RandomJSON.string(&rng))
        case 1: extras["backend"] = RandomJSON.value(&rng, depth: 1)
        default: break
        }
        return JobStatus(
            jobID: status.jobID, status: status.status, statusMessage: status.statusMessage, extras: extras)
    }

    static func expectAgreement(_ bytes: [UInt8]) {
        let full = try? JobStatus.decode(bytes, options: .restore)
        if let fast = CanonicalStatusScanner.status(ofCanonical: bytes) {
            #expect(full?.status == fast, "\(String(decoding: bytes, as: UTF8.self))")
        }
        guard let overview = CanonicalStatusScanner.overview(ofCanonical: bytes, extra: "backend") else { return }
        let text = { (range: Range<Int>) in String(decoding: bytes[range], as: UTF8.self) }
        #expect(full?.status == overview.status, "\(String(decoding: bytes, as: UTF8.self))")
        #expect(full?.statusMessage == text(overview.statusMessage), "\(String(decoding: bytes, as: UTF8.self))")
        #expect(full?.extras["backend"]?.stringValue == overview.extra.map(text))
    }

    @Test func anOverviewReadsTheMessageAndAnExtraStringAsTheyAre() throws {
        let plain = Array(#"{"backend":"ibm_kyiv","job_id":"a","status":"DONE","status_msg":"ok ✓","x":[1]}"#.utf8)
        let overview = try #require(CanonicalStatusScanner.overview(ofCanonical: plain, extra: "backend"))
        #expect(overview.status == .done)
        #expect(String(decoding: plain[overview.statusMessage], as: UTF8.self) == "ok ✓")
        #expect(overview.extra.map { String(decoding: plain[$0], as: UTF8.self) } == "ibm_kyiv")
        let numeric = Array(#"{"backend":7,"job_id":"a","status":"DONE","status_msg":""}"#.utf8)
        #expect(try #require(CanonicalStatusScanner.overview(ofCanonical: numeric, extra: "backend")).extra == nil)
        // Escapes in the strings it returns: decoded in full (the status alone still scans).
        for escaped in [
            #"{"job_id":"a","status":"DONE","status_msg":"a\nb"}"#,
            #"{"backend":"a\/b","job_id":"a","status":"DONE","status_msg":""}"#,
        ] {
            #expect(CanonicalStatusScanner.overview(ofCanonical: Array(escaped.utf8), extra: "backend") == nil)
            #expect(CanonicalStatusScanner.status(ofCanonical: Array(escaped.utf8)) == .done)
        }
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
