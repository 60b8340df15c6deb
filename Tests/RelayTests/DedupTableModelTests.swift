import JobStatus
import Kafka
import PropertyBased
import TestSupport
import Testing

@testable import Relay

/// The dedup table keys jobs by a hash in an open-addressing table of its own; these hold it to a
/// plain dictionary model of the same rules over random operations: inserts, replacements,
/// removals from the middle of probe runs, growth, transactions and retention.
@Suite("Dedup table against a model")
struct DedupTableModelTests {
    static let seeds = Gen.uint64(in: 0...UInt64.max)

    /// The compact store alone, with many keys: removals must leave every other key reachable.
    @Test func theCompactStoreKeepsWhatADictionaryKeeps() async {
        await propertyCheck(count: 40, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            var store = CompactStateTable()
            var model: [String: (PublishedState, SourcePosition?)] = [:]
            let ids = (0..<Int.random(in: 1...600, using: &rng)).map {
                "job-\($0)-" + String(repeating: "x", count: $0 % 40)
            }
            for _ in 0..<3_000 {
                let id = ids.randomElement(using: &rng) ?? "job"
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    store.remove(JobKey(id))
                    model[id] = nil
                } else {
                    let (state, source) = Self.randomState(&rng)
                    store.set(JobKey(id), state, source: source)
                    model[id] = (state, source)
                }
            }
            #expect(store.count == model.count)
            for id in ids {
                let found = store.lookup(JobKey(id))
                #expect(found?.state == model[id]?.0 && found?.source == model[id]?.1, "\(id)")
            }
        }
    }

    /// Every field of a state comes back as it went in, ranks of any value included.
    @Test func theCompactStoreKeepsEveryFieldOfAState() {
        var store = CompactStateTable()
        for rank in Int8.min...Int8.max {
            let key = JobKey("job-\(rank)")
            let state = PublishedState(
                fingerprint: Fingerprint(high: UInt64(bitPattern: Int64(rank)), low: 7), rank: rank,
                isTerminal: rank % 2 == 0, order: rank % 3 == 0 ? Int64(rank) * 1_000_000_007 : nil)
            let source = SourcePosition(
                topicIndex: Int16(rank), partition: KafkaPartition(rawValue: Int32(rank) * 1000),
                offset: KafkaOffset(rawValue: Int64(rank) << 40))
            store.set(key, state, source: rank % 5 == 0 ? nil : source)
            #expect(store.lookup(key)?.state == state)
            #expect(store.lookup(key)?.source == (rank % 5 == 0 ? nil : source))
        }
        let unranked = PublishedState(fingerprint: Fingerprint(high: 1, low: 2), rank: nil, isTerminal: false)
        store.set(JobKey("unranked"), unranked, source: nil)
        #expect(store.lookup(JobKey("unranked"))?.state == unranked)
    }

    /// Ids are bytes, as Kafka keys are: two spellings of the same Unicode text are two jobs, in
    /// the open transaction and after it commits alike.
    @Test func idsThatSwiftComparesEqualAreTwoJobs() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        let done = PublishedState(status: .done, canonicalBytes: Array("d".utf8))
        var table = DedupTable()
        var first = DedupTable.Pending()
        first.recordPublish(composed, done)
        #expect(table[decomposed, pending: first] == nil, "in the open transaction")
        table.apply(first)
        #expect(table[decomposed, pending: .init()] == nil && table.committed(decomposed) == nil, "after the commit")
        var second = DedupTable.Pending()
        second.recordPublish(decomposed, PublishedState(status: .queued, canonicalBytes: Array("q".utf8)))
        table.apply(second)
        #expect(table.count == 2 && table.committed(composed) == done)
        var third = DedupTable.Pending()
        third.recordTombstone(decomposed, at: 1)
        #expect(table[composed, pending: third] == done && !table.isRecentlyFinished(composed, pending: third))
    }

    /// Issue 24, defect 3: a restore that re-reads this instance's own output and stops short of
    /// its last commit (the last stable offset lies before that commit's markers) must not put an
    /// older state of a job back over the newer one; a record of another partition, or a later
    /// one of the same partition (another instance went on with it), does replace it.
    @Test func aRestoredRecordNeverReplacesOneFromALaterRecordOfItsPartition() {
        let queued = PublishedState(status: .queued, canonicalBytes: Array("q".utf8))
        let running = PublishedState(status: .running, canonicalBytes: Array("r".utf8))
        let done = PublishedState(status: .done, canonicalBytes: Array("d".utf8))
        func at(_ partition: KafkaPartition, _ offset: KafkaOffset) -> SourcePosition {
            SourcePosition(topicIndex: 0, partition: partition, offset: offset)
        }
        var table = DedupTable()
        var pending = DedupTable.Pending()
        pending.recordPublish("j", running, source: at(1, 20))
        table.apply(pending)
        let taken = table.restore("j", queued, source: at(1, 10))
        #expect(!taken, "not taken")
        #expect(
            table.committed("j") == running && table.lastSource(of: "j", pending: .init()) == at(1, 20),
            "older news ignored")
        table.restore("j", running, source: at(1, 20))
        #expect(table.committed("j") == running && table.lastSource(of: "j", pending: .init()) == at(1, 20))
        table.restore("j", done, source: at(1, 30))
        #expect(
            table.committed("j") == done && table.lastSource(of: "j", pending: .init()) == at(1, 30), "later news taken"
        )
        table.restore("j", queued, source: at(2, 5))
        #expect(table.committed("j") == queued, "another partition's record cannot be ordered: taken as read")
        table.restore("j", running, source: nil)
        #expect(table.committed("j") == running, "a record without a source is taken as read")
    }

    /// A job's last change in a transaction is what a lookup sees and what a commit keeps, in
    /// either order: as in the compacted output, the later record replaces the earlier one.
    @Test func aJobsLastChangeInATransactionIsWhatTheCommitKeeps() {
        let running = PublishedState(status: .running, canonicalBytes: [1])
        let done = PublishedState(status: .done, canonicalBytes: [2])
        var table = DedupTable()
        table.restore("a", running, timestamp: 1)
        table.restore("b", done, timestamp: 1)

        var pending = DedupTable.Pending()
        pending.recordPublish("a", done, publishedAt: 2)
        pending.recordTombstone("a", at: 3)
        pending.recordTombstone("b", at: 2)
        pending.recordPublish("b", running, publishedAt: 3)
        #expect(table["a", pending: pending] == nil && table.isRecentlyFinished("a", pending: pending))
        #expect(table["b", pending: pending] == running && !table.isRecentlyFinished("b", pending: pending))

        table.apply(pending)
        #expect(
            table.committed("a") == nil && table.isRecentlyFinished("a", pending: .init()), "the tombstone came last")
        #expect(
            table.committed("b") == running && !table.isRecentlyFinished("b", pending: .init()), "the publish came last"
        )
    }

    /// The whole table, transactions and retention included, against ``Model``.
    @Test(arguments: [false, true])
    func theTableFollowsTheModel(tracksFinishedJobs: Bool) async {
        await propertyCheck(count: 60, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            var table = DedupTable(tracksFinishedJobs: tracksFinishedJobs)
            var pending = DedupTable.Pending()
            var model = Model()
            let ids = (0..<Int.random(in: 1...40, using: &rng)).map { "j\($0)" }
            for step in 0..<400 {
                let id = ids.randomElement(using: &rng) ?? "j"
                let time = Int64(step * 10)
                let (state, source) = Self.randomState(&rng)
                switch Int.random(in: 0..<9, using: &rng) {
                case 0, 1, 2:
                    // As the relay records a publish: the id kept only when the table tracks finished jobs.
                    pending.recordPublish(
                        JobKey(id), jobID: table.pendingID(of: id), state, source: source, publishedAt: time)
                    model.pending[id] = .init(jobID: id, state: state, source: source, publishedAt: time)
                    model.pendingTombstones[id] = nil  // the later record replaces the earlier one
                case 3:
                    pending.recordTombstone(id, at: time)
                    model.pendingTombstones[id] = time
                    model.pending[id] = nil
                case 4:
                    table.apply(pending)
                    pending = DedupTable.Pending()
                    model.commit()
                case 5:
                    pending = DedupTable.Pending()
                    model.pending = [:]
                    model.pendingTombstones = [:]
                case 6:
                    let remembers = Bool.random(using: &rng)
                    let restored: PublishedState? = Bool.random(using: &rng) ? state : nil
                    guard pending.isEmpty else { continue }  // restore runs outside transactions
                    table.restore(id, restored, source: source, timestamp: time, remembersTombstone: remembers)
                    model.restore(id, restored, source: source, timestamp: time, remembers: remembers)
                case 7:
                    table.forgetFinished(before: time - 500)
                    model.finished = model.finished.filter { $0.value >= time - 500 }
                default:
                    break
                }
                Self.expectSame(
                    table, pending, model, ids: ids, cutoff: time - 300, tracksFinishedJobs: tracksFinishedJobs)
            }
        }
    }

    static func expectSame(
        _ table: DedupTable, _ pending: DedupTable.Pending, _ model: Model, ids: [String], cutoff: Int64,
        tracksFinishedJobs: Bool
    ) {
        #expect(table.count == model.published.count)
        #expect(table.recentlyFinishedCount == model.finished.count)
        for id in ids {
            #expect(table[id, pending: pending] == model.current(id), "\(id)")
            #expect(table.lastSource(of: id, pending: pending) == model.currentSource(id), "\(id)")
            #expect(table.committed(id) == model.published[id]?.state, "\(id)")
            #expect(table.isRecentlyFinished(id, pending: pending) == model.isRecentlyFinished(id), "\(id)")
            let finished = tracksFinishedJobs && model.isFinished(id, cutoff)
            #expect(table.isFinished(id, publishedAtOrBefore: cutoff, pending: pending) == finished, "\(id)")
        }
        let due = table.finishedJobs(publishedAtOrBefore: cutoff, limit: .max, pending: pending) { _, _ in true }
        let expected = tracksFinishedJobs ? Set(ids.filter { model.isFinished($0, cutoff) }) : []
        #expect(Set(due) == expected && due.count == expected.count)
    }

    static func randomState(_ rng: inout SplitMix64) -> (PublishedState, SourcePosition?) {
        let status = Status.known.randomElement(using: &rng) ?? .running
        let state = PublishedState(
            status: Bool.random(using: &rng) ? status : Status(passingUnknown: "paused"),
            canonicalBytes: [UInt8.random(in: 0...3, using: &rng)],
            order: Bool.random(using: &rng) ? Int64.random(in: -5...5, using: &rng) : nil)
        let source =
            Bool.random(using: &rng)
            ? SourcePosition(
                topicIndex: Int16.random(in: 0...2, using: &rng),
                partition: KafkaPartition(rawValue: Int32.random(in: 0...3, using: &rng)),
                offset: KafkaOffset(rawValue: Int64.random(in: 0...Int64.max, using: &rng))) : nil
        return (state, source)
    }

    /// The table's rules, written as plainly as possible with dictionaries keyed by the id.
    struct Model {
        var published: [String: DedupTable.Entry] = [:]
        var pending: [String: DedupTable.Entry] = [:]
        var pendingTombstones: [String: Int64] = [:]
        var finished: [String: Int64] = [:]

        func current(_ id: String) -> PublishedState? {
            if let entry = pending[id] { return entry.state }
            if pendingTombstones[id] != nil { return nil }
            return published[id]?.state
        }

        func currentSource(_ id: String) -> SourcePosition? {
            if let entry = pending[id] { return entry.source }
            if pendingTombstones[id] != nil { return nil }
            return published[id]?.source
        }

        func isRecentlyFinished(_ id: String) -> Bool {
            pendingTombstones[id] != nil || finished[id] != nil
        }

        func isFinished(_ id: String, _ cutoff: Int64) -> Bool {
            guard let entry = published[id] else { return false }
            return entry.state.isTerminal && entry.publishedAt <= cutoff && pending[id] == nil
                && pendingTombstones[id] == nil
        }

        mutating func commit() {
            published.merge(pending) { _, new in new }
            pending = [:]
            for (id, time) in pendingTombstones {
                published[id] = nil
                finished[id] = time
            }
            pendingTombstones = [:]
        }

        mutating func restore(
            _ id: String, _ state: PublishedState?, source: SourcePosition?, timestamp: Int64, remembers: Bool
        ) {
            guard let state else {
                published[id] = nil
                if remembers { finished[id] = timestamp }
                return
            }
            // Never older news over newer: a later record of the same input partition wins.
            if let source, let kept = published[id]?.source, kept.topicIndex == source.topicIndex,
                kept.partition == source.partition, kept.offset > source.offset
            {
                return
            }
            published[id] = .init(jobID: id, state: state, source: source, publishedAt: timestamp)
        }
    }
}
