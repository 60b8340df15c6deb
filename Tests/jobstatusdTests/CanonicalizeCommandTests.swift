import Foundation
import Testing

/// Runs the built `jobstatusd canonicalize` binary as a user would.
@Suite("jobstatusd canonicalize (binary)")
struct CanonicalizeCommandTests {
    @Test func issueExampleOnStdin() throws {
        let line = #"{"status_msg":"m","job_id":"a","status":"running","z":1e21,"a":[0.000001,-0]}"# + "\n"
        let run = try JobStatusBinary.run(["canonicalize"], stdin: Data(line.utf8))
        #expect(run.status == 0)
        #expect(run.stdout == #"{"a":[0.000001,0],"job_id":"a","status":"RUNNING","status_msg":"m","z":1e+21}"# + "\n")
        #expect(run.stderr == "")
    }

    @Test func fileWithValidInvalidAndBlankLines() throws {
        let lines = [
            #"{"job_id":"j1","status":"queued","status_msg":"waiting","shots":1024}"#,
            "",
            #"{"job_id":"j2","status":"DONE"}"#,
            "   ",
            #"{"job_id":"j3","status":"done","status_msg":"ok","x":1,"x":2}"#,
            "not json",
            #"{"job_id":"j4","status":"Error","status_msg":"boom","detail":{"b":2,"a":1}}"#,
        ]
        var data = Data(lines.joined(separator: "\n").utf8)
        data.append(contentsOf: [0x0A, 0xFF, 0x0A])  // a line that is not UTF-8
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("canonicalize-\(UUID()).jsonl")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let run = try JobStatusBinary.run(["canonicalize", "--input", file.path])
        #expect(run.status == 1)
        #expect(
            run.stdout == """
                {"job_id":"j1","shots":1024,"status":"QUEUED","status_msg":"waiting"}
                {"detail":{"a":1,"b":2},"job_id":"j4","status":"ERROR","status_msg":"boom"}

                """)
        #expect(
            run.stderr == """
                line 3: missing_member: required member "status_msg" is missing
                line 5: duplicate_member: duplicate member name "x" at byte 55
                line 6: invalid_json: invalid literal, expected 'null' at byte 0
                line 8: invalid_utf8: record is not valid UTF-8 at byte 0

                """)
    }

    @Test func unknownStatusFlag() throws {
        let line = Data(#"{"job_id":"a","status":"paused","status_msg":""}"#.utf8)
        let rejected = try JobStatusBinary.run(["canonicalize"], stdin: line)
        #expect(rejected.status == 1)
        #expect(rejected.stderr.hasPrefix("line 1: unknown_status: "))
        let passed = try JobStatusBinary.run(["canonicalize", "--unknown-status", "pass"], stdin: line)
        #expect(passed.status == 0)
        #expect(passed.stdout == #"{"job_id":"a","status":"PAUSED","status_msg":""}"# + "\n")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try JobStatusBinary.run(["canonicalize", "--no-such-flag"]).status == 2)
        #expect(try JobStatusBinary.run(["canonicalize", "--unknown-status", "maybe"]).status == 2)
        #expect(try JobStatusBinary.run(["canonicalize", "--max-depth", "0"]).status == 2)
        let missing = try JobStatusBinary.run(["canonicalize", "--input", "/nonexistent/events.jsonl"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/events.jsonl"))
    }

    @Test func emptyInputIsValid() throws {
        let run = try JobStatusBinary.run(["canonicalize"], stdin: Data("\n\n".utf8))
        #expect(run.status == 0)
        #expect(run.stdout.isEmpty)
    }
}
