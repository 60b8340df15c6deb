/// How many jobs have each status (or backend): counted on every change of a million-job first
/// read, so the few usual names are found by comparison (a short name compares as two words)
/// instead of by hashing, and only a topic with many distinct names falls back to a dictionary.
struct NameCounts: Sendable {
    /// Names compared before hashing: a topic's statuses and backends are usually this few.
    private static let scanned = 16
    private var names: [String] = []
    private var counts: [Int] = []
    private var others: [String: Int] = [:]

    mutating func add(_ name: String) {
        if let index = names.firstIndex(of: name) {
            counts[index] += 1
        } else if names.count < Self.scanned, others[name] == nil {
            names.append(name)
            counts.append(1)
        } else {
            others[name, default: 0] += 1
        }
    }

    /// Takes one job off `name`; a name with none left is no longer listed.
    mutating func remove(_ name: String) {
        if let index = names.firstIndex(of: name) {
            counts[index] -= 1
            if counts[index] == 0 {
                names.remove(at: index)
                counts.remove(at: index)
            }
        } else if let count = others[name] {
            others[name] = count > 1 ? count - 1 : nil
        }
    }

    /// Every name with its count, in no particular order.
    var all: [String: Int] {
        var result = others
        for (name, count) in zip(names, counts) { result[name] = count }
        return result
    }
}
