/// Records per second over the last view interval (not the average since start).
struct RateMeter {
    private var last: (count: Int, at: ContinuousClock.Instant)?

    mutating func observe(_ count: Int, now: ContinuousClock.Instant = .now) -> Double {
        defer { last = (count, now) }
        guard let last, now > last.at else { return 0 }
        return Double(count - last.count) / (now - last.at).seconds
    }
}
