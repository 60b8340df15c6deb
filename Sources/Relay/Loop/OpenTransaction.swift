import Kafka

/// Everything the open transaction holds until it commits or aborts: where it
/// started and how far it read in each input partition, its counters, the records
/// it published (for `/jobs`), the source record of every record it produced, its
/// changes to the dedup table (``pending``), the records refused in earlier aborts, and
/// the retention tombstones due.
///
/// It lives inside ``RelayStateMachine``'s state, so it cannot outlive the
/// transaction: a commit hands it to the relay to apply (its ``pending`` changes included),
/// an abort drops it, changes and all, and only its ``Handover`` reaches the next one.
struct OpenTransaction {
    /// When the transaction began (it commits after `transaction.interval`).
    let openedAt: ContinuousClock.Instant
    /// The first offset read per input partition: where an abort rewinds to.
    private(set) var startOffsets: [TopicPartition: KafkaOffset] = [:]
    /// The offset after the last one read per input partition: what a commit stores.
    private(set) var nextOffsets: [TopicPartition: KafkaOffset] = [:]
    /// What happened to the records read, counted only once the transaction commits.
    var counters = RelayCounters()
    /// The job and canonical record of each publish, for the status view after the commit.
    var published: [(key: JobKey, record: [UInt8])] = []
    /// The input record behind each produced record (output or dead letter), by delivery tag
    /// minus ``firstTag``: a record the broker refused is traced back to its source.
    private(set) var producedFrom: [(source: SourceCoordinate, isDeadLetter: Bool)] = []
    /// The delivery tag of the first record produced in this transaction (tags never repeat).
    let firstTag: Int
    /// The oldest input timestamp among published records (end-to-end latency).
    var oldestTimestamp: Int64?
    /// Jobs given a retention tombstone in this transaction (for the status view after the commit).
    var tombstoned: [String] = []
    /// Its changes to the dedup table and the origin watermarks: applied if it commits, dropped
    /// with it if it aborts.
    var pending: PendingChanges
    /// Input records whose output (or dead letter) the broker refused for good in an aborted
    /// transaction before this one: dead-lettered (or dead-lettered without their value) when
    /// they come round again.
    let refused: [SourceCoordinate: RefusedOutput]
    /// Jobs whose retention tombstone this transaction is to write, as room allows
    /// (`transaction.max-records`); the ones left go to the next transaction.
    var dueTombstones: [String]
    /// Exactly-once, a transaction judged while the one before it commits: the records it
    /// produces, in order, held until it begins (librdkafka has one transaction open per
    /// producer). `nil`: it has begun (or is at-least-once), and records go to the producer at once.
    private(set) var held: [HeldRecord]?
    /// Judged while the transaction before it commits (exactly-once, it holds its records too),
    /// until it begins: the group offsets the relay knows are then the ones before that commit,
    /// so it writes no retention tombstones, which would carry them again (``commitUnchanged(_:)``).
    private(set) var isJudgedDuringCommit = false

    /// Exactly-once, once it has begun: its dead letters, produced in order as its commit starts
    /// (``RelayStateMachine/Action/sendDeadLetters(_:)``) rather than as they are judged, so
    /// that the DLQ's partitions join the transaction together (see ``RegistrationOrder``):
    /// 1 % of the records, reaching the DLQ's partitions all through a transaction, made
    /// librdkafka register partitions again and again.
    private(set) var deferredDeadLetters: [HeldRecord] = []

    /// A record produced before its transaction began, with its delivery tag.
    struct HeldRecord: Equatable {
        var message: KafkaOutgoingMessage
        var tag: Int?
        /// Where librdkafka will put it, one number per topic and partition, for
        /// ``RegistrationOrder``; `nil` when that cannot be known.
        var slot: Int? = nil

        /// What a slot of an array holds once its record was moved out to be produced: a
        /// record produced from the array itself is copied, which retains its topic, key,
        /// value and headers, cold in memory by then.
        static let movedOut = HeldRecord(message: KafkaOutgoingMessage(topic: "", key: nil, value: nil), tag: nil)
    }

    /// What a transaction hands to the next one, however it ends.
    struct Handover: Equatable {
        /// The delivery tag the next transaction starts at (tags never repeat within a run).
        var nextTag = 0
        /// Records the broker refused for good, until a commit passes their offsets.
        var refused: [SourceCoordinate: RefusedOutput] = [:]
        /// Retention tombstones not written yet.
        var dueTombstones: [String] = []
        /// How many publishes the last transaction made: room the next one's table changes reserve.
        var expectedPublishes = 0
    }

    init(openedAt: ContinuousClock.Instant, handover: Handover) {
        self.openedAt = openedAt
        self.firstTag = handover.nextTag
        self.refused = handover.refused
        self.dueTombstones = handover.dueTombstones
        self.pending = PendingChanges(expectedPublishes: handover.expectedPublishes)
    }

    /// The next transaction, judged while `committing` commits: it takes what `committing` hands
    /// over if it commits, reads the table through `committing`'s changes, then its own, and
    /// (exactly-once, `holdsRecords`) holds its records until it begins (``held``).
    init(openedAt: ContinuousClock.Instant, whileCommitting committing: OpenTransaction, holdsRecords: Bool = true) {
        self.init(openedAt: openedAt, handover: committing.handoverAfterCommit)
        pending = PendingChanges(over: committing.pending, expectedPublishes: committing.pending.jobs.publishCount)
        held = holdsRecords ? [] : nil
        isJudgedDuringCommit = true
    }

    /// Defers the dead letter `message` (tagged `tag`, bound for `slot`) to the start of the
    /// commit (``deferredDeadLetters``).
    mutating func deferDeadLetter(_ message: KafkaOutgoingMessage, tag: Int?, slot: Int? = nil) {
        deferredDeadLetters.append(HeldRecord(message: message, tag: tag, slot: slot))
    }

    /// Whether records are held until the transaction begins (``held``).
    var holdsRecords: Bool { held != nil }

    /// Holds `message` (tagged `tag`, bound for `slot`, asked only of a record held) until the
    /// transaction begins; `false` if it has begun (the record is to be produced at once).
    mutating func hold(_ message: KafkaOutgoingMessage, tag: Int?, slot: @autoclosure () -> Int? = nil) -> Bool {
        guard held != nil else { return false }
        held?.append(HeldRecord(message: message, tag: tag, slot: slot()))
        return true
    }

    /// The transaction before this one committed and this one begins: its held records, to be
    /// produced now, in order; from here on it reads the table alone below its own changes.
    mutating func begin() -> [HeldRecord] {
        defer {
            held = nil
            isJudgedDuringCommit = false
        }
        pending.forgetCommittingLayer()
        return held ?? []
    }

    /// What the next transaction gets after this one commits: the refusals of records this one
    /// did not pass (a commit moves their partition's offset past them: they never come round
    /// again) and the tombstones it had no room for. Its changes are the relay's to apply.
    var handoverAfterCommit: Handover {
        Handover(
            nextTag: nextTag,
            refused: refused.isEmpty
                ? refused
                : refused.filter { coordinate, _ in
                    nextOffsets[coordinate.partition].map { coordinate.offset >= $0 } ?? true
                },
            dueTombstones: dueTombstones, expectedPublishes: pending.jobs.publishCount)
    }

    /// A record the broker refused for good, traced to its source by its delivery tag.
    struct Refusal: Equatable {
        var source: SourceCoordinate
        /// Whether the refused record was the source's dead letter.
        var isDeadLetter: Bool
        var error: KafkaError
    }

    /// What the next transaction gets after this one aborts: the refusals it knew, plus
    /// `rejections` (delivery tags of this transaction's records the broker refused for good;
    /// tags of other transactions are ignored), which are returned traced to their sources, and
    /// the tombstones it had not written. Its changes are dropped: the redo makes them again.
    func handoverAfterAbort(rejections: [Int: KafkaError]) -> (Handover, [Refusal]) {
        var refused = self.refused
        var noted: [Refusal] = []
        for (tag, error) in rejections.sorted(by: { $0.key < $1.key }) {
            guard let (coordinate, isDeadLetter) = source(ofTag: tag) else { continue }
            let alreadyRefused = refused[coordinate] != nil
            refused[coordinate] = RefusedOutput(deadLetterRefused: isDeadLetter || alreadyRefused, error: error)
            noted.append(Refusal(source: coordinate, isDeadLetter: isDeadLetter, error: error))
        }
        let handover = Handover(
            nextTag: nextTag, refused: refused, dueTombstones: dueTombstones,
            expectedPublishes: pending.jobs.publishCount)
        return (handover, noted)
    }

    /// Input records read so far, plus retention tombstones written: what `transaction.max-records` bounds.
    var recordCount: Int { counters.consumed + counters.finishedTombstones }

    /// Notes a batch before it is processed, so an abort in the middle of it rewinds every
    /// partition it touched, including records not reached yet.
    mutating func willProcess(_ batch: [KafkaMessage]) {
        for run in batch.partitionRuns where startOffsets[batch[run.lowerBound].topicPartition] == nil {
            startOffsets[batch[run.lowerBound].topicPartition] = batch[run.lowerBound].offset
        }
    }

    /// Notes that `message` was read (whatever becomes of it).
    mutating func consumed(_ message: KafkaMessage) {
        consumed(CollectionOfOne(message))
    }

    /// Notes that `run`, records of one partition in offset order, was read.
    mutating func consumed(_ run: some BidirectionalCollection<KafkaMessage>) {
        guard let first = run.first, let last = run.last else { return }
        if startOffsets[first.topicPartition] == nil { startOffsets[first.topicPartition] = first.offset }
        nextOffsets[first.topicPartition] = last.offset.next
        counters.consumed += run.count
    }

    /// Commits the offsets already `committed` again, for the partitions this transaction has
    /// read nothing of, so a transaction of tombstones alone still carries the group's offsets
    /// (and with them the fencing of a member that lost its partitions, KIP-447). They do not move.
    mutating func commitUnchanged(_ committed: [TopicPartitionOffset]) {
        for offset in committed where offset.offset.rawValue >= 0 && nextOffsets[offset.topicPartition] == nil {
            nextOffsets[offset.topicPartition] = offset.offset
        }
    }

    /// The delivery tag for the next record produced from `source`.
    mutating func tagProduced(from source: KafkaMessage, isDeadLetter: Bool) -> Int {
        producedFrom.append((SourceCoordinate(source), isDeadLetter))
        return firstTag + producedFrom.count - 1
    }

    /// The next free delivery tag after this transaction.
    var nextTag: Int { firstTag + producedFrom.count }

    /// The input record a delivery tag of this transaction was produced from, and whether the
    /// produced record was its dead letter.
    func source(ofTag tag: Int) -> (source: SourceCoordinate, isDeadLetter: Bool)? {
        let index = tag - firstTag
        return producedFrom.indices.contains(index) ? producedFrom[index] : nil
    }

    /// The offsets a commit stores (the next record to read per partition).
    var commitOffsets: [TopicPartitionOffset] {
        nextOffsets.map { TopicPartitionOffset($0.key, $0.value) }.sorted { $0.topicPartition < $1.topicPartition }
    }

    /// Where an abort rewinds the partitions in `partitions` to; with `next` (a transaction
    /// judged during this one's commit, dropped with it), the lower start of the two.
    func rewindOffsets(
        keeping partitions: Set<TopicPartition>, with next: OpenTransaction? = nil
    ) -> [TopicPartitionOffset] {
        let starts = startOffsets.merging(next?.startOffsets ?? [:]) { $0.rawValue <= $1.rawValue ? $0 : $1 }
        return starts.filter { partitions.contains($0.key) }.map { TopicPartitionOffset($0.key, $0.value) }
            .sorted { $0.topicPartition < $1.topicPartition }
    }
}
