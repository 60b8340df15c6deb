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

/// Bytes of resident memory per job in the dedup table, measured around 1M inserts.
/// Ids of 15 bytes or fewer live inline in the String; longer ones add their own heap block,
/// so both are measured.
func measure(idLength: Int) -> Double {
    let jobs = 1_000_000
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

for length in [12, 24, 36] {
    print(
        "id of \(length) bytes: \(String(format: "%.1f", measure(idLength: length))) bytes of table per job (ids allocated beforehand, not counted)"
    )
}
