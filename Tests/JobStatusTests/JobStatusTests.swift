import Testing

@testable import JobStatus

@Suite("JobStatus fromDict / toDict")
struct JobStatusTests {
    @Test func fromDictKeepsEveryExtra() throws {
        let dict: JSONObject = [
            "job_id": "c2f5", "status": " running ", "status_msg": "job is actively running",
            "backend": "ibm_brisbane", "queue_position": nil, "shots": 1024,
            "nested": ["a": [1, 2.5, ["deep": true]]],
        ]
        let status = try JobStatus.fromDict(dict)
        #expect(status.jobID == "c2f5")
        #expect(status.status == .running)
        #expect(status.statusMessage == "job is actively running")
        #expect(status.extras.count == 4)
        #expect(status.extras["queue_position"] == .null)
        #expect(status.extras["nested"] == ["a": [1, 2.5, ["deep": true]]])
        let back = status.toDict()
        #expect(back["status"] == "RUNNING")
        #expect(back.count == dict.count)
    }

    @Test func statusIsMatchedCaseInsensitivelyAfterTrimming() {
        for text in ["done", "DONE", "Done", "  dOnE\t", "\nDONE "] {
            #expect(Status(text) == .done, "\(text)")
        }
        #expect(Status("DONE!") == nil)
        #expect(Status("") == nil)
        #expect(Status("ｄｏｎｅ") == nil)
    }

    /// ASCII text is trimmed by its bytes, non-ASCII by Character.isWhitespace: the two agree,
    /// for every ASCII character around a status and for Unicode spaces.
    @Test func asciiTrimmingAgreesWithCharacterWhitespace() {
        func reference(_ text: String) -> String {
            String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }
        for code in UInt8(0)..<0x80 {
            let around = String(UnicodeScalar(code))
            for text in [around + "running" + around, around + around, "run" + around + "ning"] {
                let expected = Status.known.first { $0.name == reference(text).uppercased() }
                #expect(Status(text) == expected, "\(Array(text.utf8))")
                #expect(
                    Status(passingUnknown: text).name == (expected?.name ?? reference(text).uppercased()),
                    "\(Array(text.utf8))")
            }
        }
        #expect(Status("\u{00A0}running\u{2003}") == .running)
        #expect(Status("\r\nDONE\u{85}") == .done)
    }

    @Test func lifecycleRanks() {
        #expect(Status.initializing.rank == 0)
        #expect(Status.queued.rank == 1)
        #expect(Status.validating.rank == 1)
        #expect(Status.running.rank == 2)
        for terminal in [Status.done, .cancelled, .error] {
            #expect(terminal.rank == 3)
            #expect(terminal.isTerminal)
        }
        #expect(!Status.running.isTerminal)
        #expect(
            Status.known.map(\.name) == [
                "INITIALIZING", "QUEUED", "VALIDATING", "RUNNING", "CANCELLED", "DONE", "ERROR",
            ])
    }

    @Test func canonicalBytesOfTheIssueExample() throws {
        let line = #"{"status_msg":"m","job_id":"a","status":"running","z":1e21,"a":[0.000001,-0]}"#
        let status = try JobStatus.decode(Array(line.utf8))
        #expect(
            String(decoding: status.canonicalBytes(), as: UTF8.self)
                == #"{"a":[0.000001,0],"job_id":"a","status":"RUNNING","status_msg":"m","z":1e+21}"#)
    }

    @Test func extrasThatSortBeforeAndAfterRequiredMembers() throws {
        let status = JobStatus(
            jobID: "j", status: .queued, statusMessage: "q", extras: ["stat": 1, "status_z": 2, "A": 0])
        #expect(
            String(decoding: status.canonicalBytes(), as: UTF8.self)
                == #"{"A":0,"job_id":"j","stat":1,"status":"QUEUED","status_msg":"q","status_z":2}"#)
    }

    @Test func initializerDropsRequiredNamesFromExtras() {
        let status = JobStatus(jobID: "j", status: .done, statusMessage: "m", extras: ["job_id": "other", "x": 1])
        #expect(status.extras == ["x": 1])
        #expect(status.toDict()["job_id"] == "j")
    }

    @Test func objectEqualityIgnoresMemberOrder() {
        let a: JSONObject = ["x": 1, "y": [true, nil]]
        let b: JSONObject = ["y": [true, nil], "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != ["x": 1])
    }
}

/// Found by the fuzzer: canonical output must read back. RFC 8785 writes the double 1e20 as the
/// integer literal 100000000000000000000, which input rules reject (beyond 2^53 - 1).
@Suite("Reading canonical output back")
struct CanonicalReadBackTests {
    @Test func largeDoublesComeBackUnderTheRestoreOptions() throws {
        let input = Array(#"{"job_id":"j","status":"DONE","status_msg":"x","n":[1e20,-1e300,0.5]}"#.utf8)
        let canonical = try JobStatus.decode(input).canonicalBytes()
        #expect(String(decoding: canonical, as: UTF8.self).contains("100000000000000000000"))
        #expect(throws: InvalidEvent.self, "as input, the integer literal is beyond I-JSON's range") {
            try JobStatus.decode(canonical)
        }
        let restored = try JobStatus.decode(canonical, options: .restore)
        #expect(restored.canonicalBytes() == canonical)
        #expect(restored == (try JobStatus.decode(input)))
    }
}
