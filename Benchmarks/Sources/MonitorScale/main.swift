import Foundation
import Glibc
import JobStatus
import Kafka
import Monitor
import Relay

/// The monitor at scale (issue 28): `MonitorScale [JOBS]` (default 1,000,000) builds the monitor's
/// index from JOBS canonical records as its first read would, and prints
///   - the index's resident bytes per job;
///   - its apply rate against the restore's per-record work measured in the same run (the key,
///     the scanned status, the table insert, as the restore does), as a ratio;
///   - how long filters over all the jobs take (median of 9 rounds): a page of a status, of a
///     backend, a job_id prefix search, a rare status (a scan of every job), the first page.

/// Resident memory (from /proc/self/statm).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let statuses = ["QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED"]
let backends = ["ibm_kyiv", "ibm_sherbrooke", "ibm_brisbane", "ibm_torino"]

func record(_ index: Int) -> (key: [UInt8], value: [UInt8]) {
    let job = "job-\(String(index, radix: 16))-\(index % 977)"
    // A rare status for 1 job in 100,000: the filter that has to scan everything.
    let status = index % 100_000 == 7 ? "VALIDATING" : statuses[index % statuses.count]
    let value =
        #"{"backend":"\#(backends[index % backends.count])","job_id":"\#(job)","status":"\#(status)","#
        + #""status_msg":"job is \#(status.lowercased()) on its backend","time_taken":\#(index % 3600)}"#
    return (Array(job.utf8), Array(value.utf8))
}

func median(_ rounds: Int = 9, _ body: () -> Void) -> Duration {
    var times: [Duration] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        body()
        times.append(ContinuousClock.now - start)
    }
    return times.sorted()[rounds / 2]
}

func milliseconds(_ duration: Duration) -> String {
    String(
        format: "%.1f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
}

let jobs = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let records = (0..<jobs).map(record)

// The restore's work per record on the same records: the function the restore calls for each
// (`DedupTable.restore(_:ordering:source:timestamp:)`, as the `scripts/bench` "restore/rebuild the
// table" case measures it): the key as the job's key, the status scanned, the table insert. The
// best of 3 rounds, as for the monitor below.
let outputRecords = records.enumerated().map { offset, record in
    KafkaMessage(
        topicPartition: TopicPartition("jobstatus", KafkaPartition(rawValue: Int32(offset % 64))),
        offset: KafkaOffset(rawValue: Int64(offset / 64)), key: record.key, value: record.value)
}
func restoreRound() -> Duration {
    let start = ContinuousClock.now
    var table = DedupTable(tracksFinishedJobs: false)
    for (offset, record) in outputRecords.enumerated() {
        let source = SourcePosition(
            topicIndex: 0, partition: KafkaPartition(rawValue: Int32(offset % 64)),
            offset: KafkaOffset(rawValue: Int64(offset)))
        table.restore(record, ordering: .lifecycle, source: source, timestamp: 0)
    }
    precondition(table.count == jobs)
    return ContinuousClock.now - start
}
let baseline = (0..<3).map { _ in restoreRound() }.min() ?? .zero

// The full decode of each record, for reference (what a consumer without the scanner pays).
let decodeStart = ContinuousClock.now
var decoded = 0
for (_, value) in records where (try? JobStatus.decode(value)) != nil { decoded += 1 }
let decodeTime = ContinuousClock.now - decodeStart
precondition(decoded == jobs)

// Three rounds, the best one quoted as for the restore. The growth of resident memory over the
// first (nothing freed yet to reuse) is the memory per job; the last index serves the filters.
var index = JobIndex()
var applyTimes: [Duration] = []
var memoryGrowth = 0
for round in 0..<3 {
    index = JobIndex()
    index.reserveCapacity(records.count)  // as the feed does once fetches report the records to read
    let before = residentBytes()
    let start = ContinuousClock.now
    for (key, value) in records { index.apply(key: key, value: value, timestamp: 0, seenAt: nil) }
    applyTimes.append(ContinuousClock.now - start)
    if round == 0 { memoryGrowth = residentBytes() - before }
    precondition(index.count == jobs)
}
let applied = applyTimes.min() ?? .zero

let seconds = { (duration: Duration) in
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
print("monitor index, \(jobs) jobs:")
print(
    String(
        format: "  resident bytes per job: %.0f (the records themselves: %.0f bytes on average)",
        Double(memoryGrowth) / Double(jobs), Double(records.map(\.value.count).reduce(0, +)) / Double(jobs)))
print(
    String(
        format:
            "  first read, in process: %.0f records/s; the restore's work on the same records: %.0f/s; ratio %.2f (target >= 1)",
        Double(jobs) / seconds(applied), Double(jobs) / seconds(baseline), seconds(baseline) / seconds(applied)))
print(
    String(
        format: "  (for reference: a full JobStatus.decode of each record: %.0f/s)", Double(jobs) / seconds(decodeTime))
)
let cases: [(String, JobQuery)] = [
    ("first page, no filter", JobQuery()),
    ("status=ERROR, first page", JobQuery(status: "ERROR")),
    ("backend=ibm_torino, first page", JobQuery(backend: "ibm_torino")),
    ("q=job-fff (prefix), first page", JobQuery(prefix: "job-fff")),
    ("status=VALIDATING (rare: scans every job)", JobQuery(status: "VALIDATING")),
    ("q=no-such-prefix (scans every job)", JobQuery(prefix: "no-such-prefix")),
]
for (name, query) in cases {
    var found = 0
    let time = median { found = index.page(query).jobs.count }
    print("  \(name): \(milliseconds(time)), \(found) jobs (target about 100 ms)")
}
let summaryTime = median { _ = index.summary(now: 0) }
print("  summary: \(milliseconds(summaryTime))")
