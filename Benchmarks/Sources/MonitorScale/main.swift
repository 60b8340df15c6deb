import Foundation
import Glibc
import JobStatus
import Monitor

/// The monitor at scale (issue 28): `MonitorScale [JOBS]` (default 1,000,000) builds the monitor's
/// index from JOBS canonical records as its first read would, and prints
///   - the index's resident bytes per job;
///   - its apply rate against the restore's per-record work measured in the same run (decoding
///     each record, as the restore does), as a ratio;
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

// The restore's work per record, measured on the same records: decode each one.
let baselineStart = ContinuousClock.now
var decoded = 0
for (_, value) in records where (try? JobStatus.decode(value)) != nil { decoded += 1 }
let baseline = ContinuousClock.now - baselineStart
precondition(decoded == jobs)

let before = residentBytes()
var index = JobIndex()
let applyStart = ContinuousClock.now
for (key, value) in records { index.apply(key: key, value: value, timestamp: 0, seenAt: nil) }
let applied = ContinuousClock.now - applyStart
let after = residentBytes()
precondition(index.count == jobs)

let seconds = { (duration: Duration) in
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
print("monitor index, \(jobs) jobs:")
print(
    String(
        format: "  resident bytes per job: %.0f (the records themselves: %.0f bytes on average)",
        Double(after - before) / Double(jobs), Double(records.map(\.value.count).reduce(0, +)) / Double(jobs)))
print(
    String(
        format:
            "  first read, in process: %.0f records/s; the restore's decode of the same records: %.0f/s; ratio %.2f",
        Double(jobs) / seconds(applied), Double(jobs) / seconds(baseline), seconds(baseline) / seconds(applied)))
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
