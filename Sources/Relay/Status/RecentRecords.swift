/// The last records of at least the `capacity` most recently written jobs, and of at most twice
/// as many: two generations of up to `capacity` jobs each. A write goes to the current one; when
/// that is full, it becomes the previous one and the old previous one is dropped whole. A write
/// costs one hash, where evicting the least recently written job one at a time costs three (on
/// the relay's path once per published record).
struct RecentRecords {
    private let capacity: Int
    private var current: [String: [UInt8]] = [:]
    private var previous: [String: [UInt8]] = [:]

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Whether another job fits without dropping a generation.
    var hasRoom: Bool { current.count + previous.count < capacity }

    subscript(jobID: String) -> [UInt8]? {
        current[jobID] ?? previous[jobID]
    }

    /// Writes the job's record, the newest; a full generation then makes way for the next.
    /// `nil` removes the job, and takes no room.
    mutating func write(_ jobID: String, _ record: [UInt8]?) {
        guard let record else { return remove(jobID) }
        guard capacity > 0 else { return }
        if current.isEmpty {
            // Sized once per generation: grown by inserts, a generation rehashed itself about
            // as often as it was written (on the relay's path at every commit).
            current.reserveCapacity(capacity)
        }
        current[jobID] = record  // the previous generation's record of the job is shadowed
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
    mutating func write(contentsOf records: [(jobID: String, record: [UInt8])]) {
        guard capacity > 0 else { return }
        guard records.count >= capacity else {
            for (jobID, record) in records { write(jobID, record) }
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
        for (jobID, record) in newest { write(jobID, record) }
    }

    /// The newest record of each of the last `jobs` jobs in `records` (of all of them, when fewer).
    private static func newest(of records: [(jobID: String, record: [UInt8])], jobs: Int) -> [String: [UInt8]] {
        var newest: [String: [UInt8]] = Dictionary(minimumCapacity: jobs)
        for (jobID, record) in records.reversed() where newest[jobID] == nil {
            newest[jobID] = record
            if newest.count == jobs { break }
        }
        return newest
    }

    /// Replaces the record of a job the view holds, where it is, or adds one while there is room:
    /// for a restore, which fills the view and never evicts.
    mutating func update(_ jobID: String, _ record: [UInt8]?) {
        guard let record else { return remove(jobID) }
        // A restored job goes to the previous generation: restored records are older than any
        // write, so they go first, and only writes fill the current generation.
        if current[jobID] != nil {
            current[jobID] = record
        } else if previous[jobID] != nil || hasRoom {
            previous[jobID] = record
        }
    }

    private mutating func remove(_ jobID: String) {
        current[jobID] = nil
        previous[jobID] = nil
    }
}
