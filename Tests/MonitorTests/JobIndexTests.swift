import Testing

@testable import Monitor

/// The monitor's in-memory view of the compacted topic: latest records, bounded transitions,
/// counts, pages most recently changed first, and resumption after an event id.
@Suite("Job index")
struct JobIndexTests {
    static func record(_ job: String, _ status: String, message: String = "m", backend: String? = nil) -> [UInt8] {
        let extra = backend.map { #","backend":"\#($0)""# } ?? ""
        return Array(#"{"job_id":"\#(job)","status":"\#(status)","status_msg":"\#(message)"\#(extra)}"#.utf8)
    }

    @discardableResult
    static func apply(
        _ index: inout JobIndex, _ job: String, _ status: String?, backend: String? = nil, at time: Int64 = 1000
    ) -> JobTransition? {
        index.apply(
            key: Array(job.utf8), value: status.map { record(job, $0, backend: backend) }, timestamp: time * 1000,
            seenAt: time)
    }

    @Test func theLatestRecordWinsAndARepeatChangesNothing() throws {
        var index = JobIndex()
        Self.apply(&index, "a", "QUEUED")
        Self.apply(&index, "a", "RUNNING", backend: "ibm_kyiv")
        #expect(Self.apply(&index, "a", "RUNNING", backend: "ibm_kyiv") == nil, "the same value again: no transition")
        let job = try #require(index.job("a"))
        #expect(job.status == "RUNNING" && job.backend == "ibm_kyiv" && job.statusMessage == "m")
        #expect(job.record == Self.record("a", "RUNNING", backend: "ibm_kyiv"), "the record as read, byte for byte")
        #expect(index.transitions(of: "a").map(\.sequence) == [1, 2])
        #expect(index.lastSequence == 2)
    }

    @Test func aTombstoneRemovesTheJobAndIsATransition() throws {
        var index = JobIndex()
        Self.apply(&index, "a", "DONE")
        Self.apply(&index, "b", "RUNNING")
        let removal = try #require(Self.apply(&index, "a", nil))
        #expect(removal.change == .removed && removal.jobID == "a" && removal.sequence == 3)
        #expect(index.job("a") == nil && index.count == 1)
        #expect(index.transitions(of: "a").isEmpty)
        #expect(Self.apply(&index, "nobody", nil) == nil, "a tombstone for no job changes nothing")
        #expect(index.summary(now: 1000).byStatus.map(\.status) == ["RUNNING"])
    }

    @Test func countsFollowEveryChange() {
        var index = JobIndex()
        for job in 0..<10 { Self.apply(&index, "job-\(job)", "QUEUED", backend: job % 2 == 0 ? "even" : "odd") }
        for job in 0..<4 { Self.apply(&index, "job-\(job)", "RUNNING", backend: job % 2 == 0 ? "even" : "odd") }
        Self.apply(&index, "job-0", "DONE", backend: "even")
        Self.apply(&index, "job-9", nil)
        Self.apply(&index, "odd-one", "PAUSED")  // an unknown status is shown as it is
        let summary = index.summary(now: 1000)
        #expect(summary.jobs == 10)
        #expect(summary.byStatus.map { "\($0.status)=\($0.jobs)" } == ["QUEUED=5", "RUNNING=3", "DONE=1", "PAUSED=1"])
        #expect(summary.byBackend.map { "\($0.backend)=\($0.jobs)" } == ["even=5", "odd=4"])
    }

    @Test func anUndecodableValueIsShownNotDropped() throws {
        var index = JobIndex()
        index.apply(key: Array("x".utf8), value: Array("not json".utf8), timestamp: 0, seenAt: 0)
        let job = try #require(index.job("x"))
        #expect(job.status == MonitoredJob.undecodable && !job.statusMessage.isEmpty && !job.isDecodable)
        // A status spelled like a marker is still a status.
        index.apply(key: Array("q".utf8), value: Self.record("q", "?"), timestamp: 0, seenAt: 0)
        let odd = try #require(index.job("q"))
        #expect(odd.isDecodable && odd.status == "?" && odd.status != MonitoredJob.undecodable)
    }

    @Test func theFirstReadIsTheJobsStateNotTransitions() throws {
        var index = JobIndex(limits: .init(rateWindow: 5))
        let first = index.apply(key: Array("a".utf8), value: Self.record("a", "QUEUED"), timestamp: 0, seenAt: nil)
        #expect(first == nil, "a record of the first read is not a transition")
        index.apply(key: Array("b".utf8), value: Self.record("b", "DONE"), timestamp: 0, seenAt: nil)
        #expect(index.apply(key: Array("b".utf8), value: nil, timestamp: 0, seenAt: nil) == nil)
        #expect(try #require(index.job("a")).status == "QUEUED" && index.job("b") == nil && index.count == 1)
        #expect(index.transitions(of: "a").isEmpty, "no history kept for the first read")
        #expect(index.lastSequence == 3, "each change still has its place in the page order")

        Self.apply(&index, "a", "RUNNING", at: 100)
        #expect(index.summary(now: 100).transitionsPerSecond == [0, 0, 0, 0, 1], "only the live one counts")
        #expect(index.transitions(of: "a").map(\.sequence) == [4])
        #expect(index.transitions(after: 3)?.map(\.sequence) == [4])
        #expect(index.transitions(after: 2) == nil, "a client from the middle of the first read reloads")

        // A record applied without a second after live ones: nothing before it can be resumed.
        index.apply(key: Array("c".utf8), value: Self.record("c", "QUEUED"), timestamp: 0, seenAt: nil)
        #expect(index.transitions(after: 4) == nil && index.transitions(after: 5) == [])
        #expect(index.page(JobQuery()).jobs.map(\.jobID) == ["c", "a"])
    }

    @Test func aJobsMessageAndBackendReadTheSameFastOrInFull() throws {
        var index = JobIndex()
        let values = [
            ("plain", #"{"backend":"ibm_kyiv","job_id":"plain","status":"RUNNING","status_msg":"step 3 of 7"}"#),
            ("escaped", #"{"backend":"ibm\/kyiv","job_id":"escaped","status":"RUNNING","status_msg":"a \"b\"\nc"}"#),
            ("unicode", #"{"backend":"東京","job_id":"unicode","status":"DONE","status_msg":"完了 ✓"}"#),
            ("numeric", #"{"backend":7,"job_id":"numeric","status":"paused","status_msg":""}"#),
            ("spaced", #"{ "job_id": "spaced", "status": "queued", "status_msg": "x", "backend": "b" }"#),
        ]
        for (job, value) in values {
            index.apply(key: Array(job.utf8), value: Array(value.utf8), timestamp: 0, seenAt: nil)
        }
        func shown(_ job: String) throws -> String {
            let monitored = try #require(index.job(job))
            return "\(monitored.status)|\(monitored.statusMessage)|\(monitored.backend ?? "-")|\(monitored.isDecodable)"
        }
        #expect(try shown("plain") == "RUNNING|step 3 of 7|ibm_kyiv|true")
        #expect(try shown("escaped") == "RUNNING|a \"b\"\nc|ibm/kyiv|true")
        #expect(try shown("unicode") == "DONE|完了 ✓|東京|true")
        #expect(try shown("numeric") == "PAUSED||-|true", "a backend that is not a string is none")
        #expect(try shown("spaced") == "QUEUED|x|b|true", "not canonical, decoded in full")
    }

    @Test func pagesGoFromTheMostRecentChangeBackAndFilter() {
        var index = JobIndex()
        for job in 0..<25 { Self.apply(&index, "job-\(job)", "RUNNING", backend: "b\(job % 3)") }
        Self.apply(&index, "job-3", "DONE", backend: "b0")  // job-3 moves to the front

        var seen: [String] = []
        var cursor: UInt64?
        repeat {
            let page = index.page(JobQuery(after: cursor, limit: 10))
            seen += page.jobs.map(\.jobID)
            cursor = page.next
        } while cursor != nil
        #expect(seen.count == 25 && Set(seen).count == 25, "every job once over the pages")
        #expect(seen.prefix(3) == ["job-3", "job-24", "job-23"])

        let done = index.page(JobQuery(status: "DONE"))
        #expect(done.jobs.map(\.jobID) == ["job-3"] && done.next == nil)
        let backend = index.page(JobQuery(backend: "b1", limit: 100)).jobs.map(\.jobID)
        #expect(backend == (0..<25).reversed().filter { $0 % 3 == 1 }.map { "job-\($0)" })
        let prefix = index.page(JobQuery(prefix: "job-2")).jobs.map(\.jobID)
        #expect(Set(prefix) == Set(["job-2", "job-20", "job-21", "job-22", "job-23", "job-24"]))
        let exact = index.page(JobQuery(status: "RUNNING", backend: "b2", prefix: "job-1", limit: 2))
        #expect(exact.jobs.map(\.jobID) == ["job-17", "job-14"] && exact.next != nil)
    }

    @Test func aPageNeverShowsAJobTwiceWhileItChangesBetweenPages() {
        var index = JobIndex()
        for job in 0..<6 { Self.apply(&index, "job-\(job)", "QUEUED") }
        let first = index.page(JobQuery(limit: 3))
        #expect(first.jobs.map(\.jobID) == ["job-5", "job-4", "job-3"])
        Self.apply(&index, "job-4", "RUNNING")  // moves ahead of the cursor: not on the next page
        let second = index.page(JobQuery(after: first.next, limit: 3))
        #expect(second.jobs.map(\.jobID) == ["job-2", "job-1", "job-0"] && second.next == nil)
    }

    @Test func historiesAreBoundedPerJobAndInTotal() {
        var index = JobIndex(limits: .init(transitionsPerJob: 3, transitions: 10))
        for step in 0..<5 { Self.apply(&index, "busy", "RUNNING-\(step)") }
        #expect(index.transitions(of: "busy").map(\.sequence) == [3, 4, 5], "the job's last three")
        for job in 0..<8 { Self.apply(&index, "other-\(job)", "QUEUED") }
        // 13 transitions seen, 10 kept: the oldest kept one (busy's 3rd) left its history too.
        #expect(index.transitions(of: "busy").map(\.sequence) == [4, 5])
        #expect(index.transitions(after: 2) == nil, "older than anything kept: the client must reload")
        #expect(index.transitions(after: 3)?.map(\.sequence) == Array(4...13))
        #expect(index.transitions(after: 13) == [])
        #expect(index.transitions(after: 14) == nil, "an id this run never gave (another run's)")
    }

    @Test func theChangeLogStaysProportionalToTheJobs() {
        var index = JobIndex(limits: .init(transitions: 100))
        for step in 0..<20_000 { Self.apply(&index, "job-\(step % 10)", step % 2 == 0 ? "RUNNING" : "QUEUED") }
        #expect(index.page(JobQuery(limit: 1000)).jobs.count == 10)
        // Mirror the private log's size through what a page has to skip: bounded by the compaction.
        #expect(index.changeLogCount <= 2 * index.count + 1024)
    }

    @Test func transitionsPerSecondCoverTheWindow() {
        var index = JobIndex(limits: .init(rateWindow: 5))
        Self.apply(&index, "a", "QUEUED", at: 100)
        Self.apply(&index, "a", "RUNNING", at: 100)
        Self.apply(&index, "b", "QUEUED", at: 102)
        Self.apply(&index, "c", "QUEUED", at: 99)  // outside the window at 104
        #expect(index.summary(now: 104).transitionsPerSecond == [2, 0, 1, 0, 0])
        #expect(index.summary(now: 110).transitionsPerSecond == [0, 0, 0, 0, 0])
    }
}
