import Testing

@testable import Relay

/// The bounded view behind `/jobs/{job_id}`: the most recently published jobs, and after a
/// restore the jobs it read first (a restore fills the view and never evicts).
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
