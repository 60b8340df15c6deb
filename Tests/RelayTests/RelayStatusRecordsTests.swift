import Testing

@testable import Relay

/// The bounded view behind `/jobs/{job_id}`: at least the `recordsKept` most recently published
/// jobs and at most twice as many, and after a restore the jobs it read first (a restore fills
/// the view and never evicts).
@Suite("Relay status: the /jobs view")
struct RelayStatusRecordsTests {
    /// A commit's publishes (by job_id) and tombstones.
    func keep(_ status: RelayStatus, _ published: [(String, [UInt8])], tombstoned: [String]) {
        status.keep(published.map { (JobKey($0.0), $0.1) }, tombstoned: tombstoned)
    }

    /// A record the restore read (`nil`: a tombstone).
    func keepRestored(_ status: RelayStatus, _ jobID: String, _ record: [UInt8]?) {
        status.keepRestored(JobKey(jobID)) { record }
    }

    @Test func publishingEvictsTheLeastRecentlyWrittenJob() {
        let status = RelayStatus(recordsKept: 2)
        keep(status, [("a", [1]), ("b", [2])], tombstoned: [])
        keep(status, [("a", [3]), ("c", [4])], tombstoned: [])
        #expect(status.record(for: "a") == [3])
        #expect(status.record(for: "b") == nil)
        #expect(status.record(for: "c") == [4])
        keep(status, [], tombstoned: ["a"])
        #expect(status.record(for: "a") == nil)
    }

    @Test func theLastJobsWrittenAreAlwaysKeptAndAtMostTwiceAsMany() {
        let kept = 3
        let status = RelayStatus(recordsKept: kept)
        var written: [String] = []
        for step in 0..<40 {
            // Rewrites of recent jobs among new ones.
            let jobID = step % 4 == 3 ? written[written.count - 2] : "job-\(step)"
            keep(status, [(jobID, [UInt8(step)])], tombstoned: [])
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
            var records: [(String, [UInt8])] = []
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
            keep(status, records, tombstoned: [])
            for recent in written.suffix(kept) {
                #expect(status.record(for: recent) == newest[recent].map { [$0] }, "commit \(commit): \(recent)")
            }
            #expect(written.filter { status.record(for: $0) != nil }.count <= 2 * kept)
        }
    }

    @Test func aRemovalHidesTheOlderGenerationsRecord() {
        let status = RelayStatus(recordsKept: 2)
        keep(status, [("a", [1]), ("b", [2])], tombstoned: [])  // a full generation: now the previous one
        #expect(status.record(for: "a") == [1])
        keep(status, [], tombstoned: ["a"])
        #expect(status.record(for: "a") == nil)
        #expect(status.record(for: "b") == [2])
    }

    @Test func tombstonesOfJobsNotInTheViewEvictNothing() {
        let status = RelayStatus(recordsKept: 2)
        keep(status, [("a", [1])], tombstoned: [])
        keep(status, [], tombstoned: ["x", "y", "z"])
        #expect(status.record(for: "a") == [1])
    }

    @Test func aRestoreAfterAGenerationSwitchKeepsTheLastJobsWritten() {
        let status = RelayStatus(recordsKept: 3)
        keep(status, [("a", [1]), ("b", [2]), ("c", [3])], tombstoned: [])  // a full generation
        for jobID in ["r1", "r2", "r3", "a", "b", "c"] { keepRestored(status, jobID, [9]) }
        keep(status, [("d", [4])], tombstoned: [])
        #expect(status.record(for: "b") == [9] && status.record(for: "c") == [9] && status.record(for: "d") == [4])
        let held = ["a", "b", "c", "d", "r1", "r2", "r3"].filter { status.record(for: $0) != nil }
        #expect(held.count <= 6)
    }

    @Test func aRestoreAfterARemovalKeepsTheLastJobsWritten() {
        let status = RelayStatus(recordsKept: 2)
        keep(status, [("a", [1]), ("b", [2])], tombstoned: [])
        keep(status, [], tombstoned: ["a"])
        keepRestored(status, "c", [3])
        keep(status, [("a", [4])], tombstoned: [])
        #expect(status.record(for: "b") == [2] && status.record(for: "a") == [4])
    }

    @Test func aRestoreUpdatesTheNewestRecordOfAJob() {
        let status = RelayStatus(recordsKept: 2)
        keep(status, [("a", [1]), ("b", [2])], tombstoned: [])  // the previous generation
        keep(status, [("a", [3])], tombstoned: [])  // a's newer record, in the current one
        keepRestored(status, "a", [5])
        #expect(status.record(for: "a") == [5])
    }

    @Test func aRestoreFillsTheViewAndUpdatesWhatItHolds() {
        let status = RelayStatus(recordsKept: 2)
        keepRestored(status, "a", [1])
        keepRestored(status, "b", [2])
        keepRestored(status, "c", [3])
        #expect(status.record(for: "c") == nil)
        keepRestored(status, "a", [4])
        #expect(status.record(for: "a") == [4])
        keepRestored(status, "b", nil)
        #expect(status.record(for: "b") == nil)
        keep(status, [("d", [5])], tombstoned: [])
        #expect(status.record(for: "d") == [5])
        #expect(status.record(for: "a") == [4])
    }

    @Test func aViewOfNoJobsKeepsNothing() {
        let status = RelayStatus(recordsKept: 0)
        keep(status, [("a", [1])], tombstoned: [])
        keepRestored(status, "b", [2])
        #expect(status.record(for: "a") == nil)
        #expect(status.record(for: "b") == nil)
    }
}
