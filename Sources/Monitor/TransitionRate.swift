/// Transitions per second over the last `window` seconds, by the second they were seen: a
/// ring of per-second counts, so recording is O(1) and the memory fixed.
struct TransitionRate: Sendable {
    private var counts: [Int]
    private var seconds: [Int64]

    init(window: Int) {
        counts = Array(repeating: 0, count: max(1, window))
        seconds = Array(repeating: .min, count: max(1, window))
    }

    var window: Int { counts.count }

    mutating func record(atSecond second: Int64) {
        let slot = Int(second.magnitude % UInt64(counts.count))
        if seconds[slot] != second {
            seconds[slot] = second
            counts[slot] = 0
        }
        counts[slot] += 1
    }

    /// The count of each of the last `window` seconds up to `now`, oldest first.
    func perSecond(now: Int64) -> [Int] {
        (0..<Int64(counts.count)).reversed().map { back in
            let second = now - back
            let slot = Int(second.magnitude % UInt64(counts.count))
            return seconds[slot] == second ? counts[slot] : 0
        }
    }
}
