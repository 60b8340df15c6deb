/// The last records of at least the `capacity` most recently written jobs, and of at most twice
/// as many: two generations of up to `capacity` jobs each. A write goes to the current one; when
/// that is full, it becomes the previous one and the old previous one is dropped whole. A write
/// costs one hash, where evicting the least recently written job one at a time costs three (on
/// the relay's path once per published record). Jobs are known by their ``JobKey``, which the
/// relay has already computed: a write hashes one word, and makes no `String`.
struct RecentRecords {
    private let capacity: Int
    private var current: [JobKey: [UInt8]] = [:]
    private var previous: [JobKey: [UInt8]] = [:]

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Whether another job fits without dropping a generation.
    var hasRoom: Bool { current.count + previous.count < capacity }

    subscript(key: JobKey) -> [UInt8]? {
        current[key] ?? previous[key]
    }

    /// Writes the job's record, the newest; a full generation then makes way for the next.
    /// `nil` removes the job, and takes no room.
    mutating func write(_ key: JobKey, _ record: [UInt8]?) {
        guard let record else { return remove(key) }
        guard capacity > 0 else { return }
        if current.isEmpty {
            // Sized once per generation: grown by inserts, a generation rehashed itself about
            // as often as it was written (on the relay's path at every commit).
            current.reserveCapacity(capacity)
        }
        current[key] = record  // the previous generation's record of the job is shadowed
        if current.count >= capacity {
            previous = current
            current = [:]
        }
    }

    /// Writes a commit's records (oldest first). Only the newest record of each job can outlast
    /// the commit, so with `capacity` records or more only those are written, found newest
    /// first; when the commit names `capacity` jobs or more, the newest `capacity` of them are the
    /// whole view (the jobs before them are older, and make way). A commit of a backlog carries
    /// several times `capacity` records, which one by one each went through a generation that
    /// was then dropped.
    mutating func write(contentsOf records: [(key: JobKey, record: [UInt8])]) {
        guard capacity > 0 else { return }
        guard records.count >= capacity else {
            for (key, record) in records { write(key, record) }
            return
        }
        let newest = Self.newest(of: records, jobs: capacity)
        guard newest.count < capacity else {
            previous = newest
            current = [:]
            return
        }
        // Fewer jobs than the view holds: each is written once; in any order, the jobs written
        // before them that a generation switch keeps are the newest ones.
        for (key, record) in newest { write(key, record) }
    }

    /// The newest record of each of the last `jobs` jobs in `records` (of all of them, when fewer).
    private static func newest(of records: [(key: JobKey, record: [UInt8])], jobs: Int) -> [JobKey: [UInt8]] {
        var newest: [JobKey: [UInt8]] = Dictionary(minimumCapacity: jobs)
        for (key, record) in records.reversed() where newest[key] == nil {
            newest[key] = record
            if newest.count == jobs { break }
        }
        return newest
    }

    /// Replaces the record of a job the view holds, where it is, or adds one while there is room:
    /// for a restore, which fills the view and never evicts. `record` (`nil`: the job is gone)
    /// is asked for only when the view holds the job or has room: a restore reads every record
    /// of its partitions, and most of them would be copied for nothing.
    mutating func update(_ key: JobKey, _ record: () -> [UInt8]?) {
        let isCurrent = current[key] != nil
        guard isCurrent || previous[key] != nil || hasRoom else { return }
        guard let record = record() else { return remove(key) }
        // A restored job goes to the previous generation: restored records are older than any
        // write, so they go first, and only writes fill the current generation.
        if isCurrent {
            current[key] = record
        } else {
            previous[key] = record
        }
    }

    private mutating func remove(_ key: JobKey) {
        current[key] = nil
        previous[key] = nil
    }
}
