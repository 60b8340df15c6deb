import Glibc
import Relay

/// Resident memory (from /proc/self/statm) in pages of 4 KiB.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    _ = withUnsafeMutablePointer(to: &size) { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Bytes of resident memory per job in the dedup table after `jobs` inserts, as the daemon runs
/// it by default (no finished-job retention, so the table keeps a hash of each id, not the id).
func measure(jobs: Int, idLength: Int) -> Double {
    let state = PublishedState(status: .running, canonicalBytes: Array("x".utf8))
    let before = residentBytes()
    var table = DedupTable(tracksFinishedJobs: false)  // the default: no finished-job retention
    for index in 0..<jobs {
        let digits = String(index)
        table.restore(String(repeating: "j", count: max(0, idLength - digits.count)) + digits, state)
    }
    let after = residentBytes()
    precondition(table.count == jobs)
    return Double(after - before) / Double(jobs)
}

// One measurement per process (a second one in the same process reads differently, as the
// allocator keeps what the first freed): `DedupMemory JOBS ID_LENGTH`.
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let jobs = arguments.first ?? 1_000_000
let length = arguments.dropFirst().first ?? 20
let perJob = measure(jobs: jobs, idLength: length)
print(
    "dedup table, \(jobs) jobs, ids of \(length) bytes: \(String(format: "%.1f", perJob)) bytes per job (target <= 64)")
