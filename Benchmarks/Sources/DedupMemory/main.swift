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

/// Bytes of resident memory per job in the dedup table, measured around `jobs` inserts. Ids of
/// 15 bytes or fewer live inline in the String; longer ones have their own heap block, which the
/// ids array allocates beforehand and the table shares, so it is not counted.
func measure(jobs: Int, idLength: Int) -> Double {
    let ids = (0..<jobs).map { index -> String in
        let digits = String(index)
        return String(repeating: "j", count: max(0, idLength - digits.count)) + digits
    }
    let state = PublishedState(status: .running, canonicalBytes: Array("x".utf8))
    let before = residentBytes()
    var table = DedupTable()
    for id in ids { table.restore(id, state) }
    let after = residentBytes()
    precondition(table.count == jobs)
    return Double(after - before) / Double(jobs)
}

// Job counts from the command line (default 1M and 10M), each with 20- and 36-byte ids.
let counts = CommandLine.arguments.dropFirst().compactMap { Int($0) }
for jobs in counts.isEmpty ? [1_000_000, 10_000_000] : counts {
    for length in [20, 36] {
        let perJob = measure(jobs: jobs, idLength: length)
        print(
            "dedup table, \(jobs) jobs, ids of \(length) bytes: \(String(format: "%.1f", perJob)) bytes per job (target <= 64)"
        )
    }
}
