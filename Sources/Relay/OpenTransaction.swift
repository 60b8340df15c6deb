import Kafka

/// Everything the open transaction holds until it commits or aborts: where it
/// started and how far it read in each input partition, its counters, the records
/// it published (for `/jobs`), and the source record of every record it produced.
///
/// It lives inside ``RelayStateMachine``'s state, so it cannot outlive the
/// transaction: a commit hands it to the relay to apply, an abort to rewind.
struct OpenTransaction {
    /// When the transaction began (it commits after `transaction.interval`).
    let openedAt: ContinuousClock.Instant
    /// The first offset read per input partition: where an abort rewinds to.
    private(set) var startOffsets: [TopicPartition: KafkaOffset] = [:]
    /// The offset after the last one read per input partition: what a commit stores.
    private(set) var nextOffsets: [TopicPartition: KafkaOffset] = [:]
    /// What happened to the records read, counted only once the transaction commits.
    var counters = RelayCounters()
    /// Job id and canonical record of each publish, for the status view after the commit.
    var published: [(jobID: String, record: [UInt8])] = []
    /// The input record behind each produced record (output or dead letter), by delivery tag
    /// minus ``firstTag``: a record the broker refused is traced back to its source.
    private(set) var producedFrom: [(source: SourceCoordinate, isDeadLetter: Bool)] = []
    /// The delivery tag of the first record produced in this transaction (tags never repeat).
    let firstTag: Int
    /// The oldest input timestamp among published records (end-to-end latency).
    var oldestTimestamp: Int64?
    /// Jobs given a retention tombstone in this transaction (for the status view after the commit).
    var tombstoned: [String] = []

    init(openedAt: ContinuousClock.Instant, firstTag: Int) {
        self.openedAt = openedAt
        self.firstTag = firstTag
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
        nextOffsets[first.topicPartition] = KafkaOffset(rawValue: last.offset.rawValue + 1)
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

    /// Where an abort rewinds the partitions in `partitions` to.
    func rewindOffsets(keeping partitions: Set<TopicPartition>) -> [TopicPartitionOffset] {
        startOffsets.filter { partitions.contains($0.key) }.map { TopicPartitionOffset($0.key, $0.value) }
            .sorted { $0.topicPartition < $1.topicPartition }
    }
}
