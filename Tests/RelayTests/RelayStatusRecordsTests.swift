import Testing

@testable import Relay

/// The bounded view behind `/jobs/{job_id}`: at least the `recordsKept` most recently published
/// jobs and at most twice as many, and after a restore the jobs it read first (a restore fills
/// the view and never evicts).
@Suite("Relay status: the /jobs view")
struct RelayStatusRecordsTests {
    @Test func publishingEvictsTheLeastRecentlyWrittenJob() {
        let status = RelayStatus(recordsKept: 2)
        status.keep([("a", [1]), ("b", [2])], tombstoned: [])
        status.keep([("a", [3]), ("c", [4])], tombstoned: [])
        #expect(status.record(for: "a") == [3])
        #expect(status.record(for: "b") == nil)
        #expect(status.record(for: "c") == [4])
        status.keep([], tombstoned: ["a"])
        #expect(status.record(for: "a") == nil)
    }

    @Test func theLastJobsWrittenAreAlwaysKeptAndAtMostTwiceAsMany() {
        let kept = 3
        let status = RelayStatus(recordsKept: kept)
        var written: [String] = []
        for step in 0..<40 {
            // Rewrites of recent jobs among new ones.
            let jobID = step % 4 == 3 ? written[written.count - 2] : "job-\(step)"
            status.keep([(jobID, [UInt8(step)])], tombstoned: [])
            written.removeAll { $0 == jobID }
            written.append(jobID)
            for recent in written.suffix(kept) {
                #expect(status.record(for: recent) != nil, "step \(step): \(recent) is among the last \(kept)")
            }
            #expect(status.record(for: jobID) == [UInt8(step)])
            #expect(written.filter { status.record(for: $0) != nil }.count <= 2 * kept)
        }
    }

    /// Commits of many records at once (a backlog's), more than the view holds among them, with
    /// jobs written again within a commit and across commits; with `fewJobs`, every record after
    /// the first few rewrites one of the last three jobs, so a commit of many records names fewer
    /// jobs than the view holds.
    @Test(arguments: [1, 2, 5, 9, 14], [false, true])
    func theLastJobsOfCommitsOfManyRecordsAreKept(commitSize: Int, fewJobs: Bool) {
        let kept = 4
        let status = RelayStatus(recordsKept: kept)
        var written: [String] = []
        var newest: [String: UInt8] = [:]
        var step = 0
        for commit in 0..<12 {
            var records: [(jobID: String, record: [UInt8])] = []
            for index in 0..<commitSize {
                // Every third a rewrite of a recent job (of this commit or an earlier one).
                let rewrites = written.count > 2 && (fewJobs || index % 3 == 2)
                let jobID = rewrites ? written[written.count - 3] : "job-\(commit)-\(index)"
                step += 1
                records.append((jobID, [UInt8(step % 256)]))
                newest[jobID] = UInt8(step % 256)
                written.removeAll { $0 == jobID }
                written.append(jobID)
            }
            status.keep(records, tombstoned: [])
            for recent in written.suffix(kept) {
                #expect(status.record(for: recent) == newest[recent].map { [$0] }, "commit \(commit): \(recent)")
            }
            #expect(written.filter { status.record(for: $0) != nil }.count <= 2 * kept)
        }
    }

    @Test func aRemovalHidesTheOlderGenerationsRecord() {
        let status = RelayStatus(recordsKept: 2)
        status.keep([("a", [1]), ("b", [2])], tombstoned: [])  // a full generation: now the previous one
        #expect(status.record(for: "a") == [1])
        status.keep([], tombstoned: ["a"])
        #expect(status.record(for: "a") == nil)
        #expect(status.record(for: "b") == [2])
    }

    @Test func tombstonesOfJobsNotInTheViewEvictNothing() {
        let status = RelayStatus(recordsKept: 2)
        status.keep([("a", [1])], tombstoned: [])
        status.keep([], tombstoned: ["x", "y", "z"])
        #expect(status.record(for: "a") == [1])
    }

    @Test func aRestoreAfterAGenerationSwitchKeepsTheLastJobsWritten() {
        let status = RelayStatus(recordsKept: 3)
        status.keep([("a", [1]), ("b", [2]), ("c", [3])], tombstoned: [])  // a full generation
        for jobID in ["r1", "r2", "r3", "a", "b", "c"] { status.keepRestored(jobID, [9]) }
        status.keep([("d", [4])], tombstoned: [])
        #expect(status.record(for: "b") == [9] && status.record(for: "c") == [9] && status.record(for: "d") == [4])
        let held = ["a", "b", "c", "d", "r1", "r2", "r3"].filter { status.record(for: $0) != nil }
        #expect(held.count <= 6)
    }

    @Test func aRestoreAfterARemovalKeepsTheLastJobsWritten() {
        let status = RelayStatus(recordsKept: 2)
        status.keep([("a", [1]), ("b", [2])], tombstoned: [])
        status.keep([], tombstoned: ["a"])
        status.keepRestored("c", [3])
        status.keep([("a", [4])], tombstoned: [])
        #expect(status.record(for: "b") == [2] && status.record(for: "a") == [4])
    }

    @Test func aRestoreUpdatesTheNewestRecordOfAJob() {
        let status = RelayStatus(recordsKept: 2)
        status.keep([("a", [1]), ("b", [2])], tombstoned: [])  // the previous generation
        status.keep([("a", [3])], tombstoned: [])  // a's newer record, in the current one
        status.keepRestored("a", [5])
        #expect(status.record(for: "a") == [5])
    }

    @Test func aRestoreFillsTheViewAndUpdatesWhatItHolds() {
        let status = RelayStatus(recordsKept: 2)
        status.keepRestored("a", [1])
        status.keepRestored("b", [2])
        status.keepRestored("c", [3])
        #expect(status.record(for: "c") == nil)
        status.keepRestored("a", [4])
        #expect(status.record(for: "a") == [4])
        status.keepRestored("b", nil)
        #expect(status.record(for: "b") == nil)
        status.keep([("d", [5])], tombstoned: [])
        #expect(status.record(for: "d") == [5])
        #expect(status.record(for: "a") == [4])
    }

    @Test func aViewOfNoJobsKeepsNothing() {
        let status = RelayStatus(recordsKept: 0)
        status.keep([("a", [1])], tombstoned: [])
        status.keepRestored("b", [2])
        #expect(status.record(for: "a") == nil)
        #expect(status.record(for: "b") == nil)
    }
}
