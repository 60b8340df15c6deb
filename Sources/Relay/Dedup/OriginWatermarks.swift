import Kafka

/// `input.keying: any`, the relay stage: which repartition records are copies of input records
/// already handled. The first stage writes an input partition's records into each repartition
/// partition in offset order; it writes them again only after an abort or a restart, from its
/// last committed offset. Brokers that show aborted records (tansu, the mock) or keep no
/// transactional offsets (the mock) let those copies through, at new repartition offsets, so
/// the relay's own coordinate evidence does not know them.
///
/// - A record to publish or drop is a copy when its input offset is not above the highest
///   handled from its input partition in the same repartition partition. What the restore
///   learns of that comes from the output only: it reaches the partition in order with the
///   records before it, where a dead letter is delivered on its own and proves nothing about
///   them (as in ``RelayLoop``'s coverage rule).
/// - A record to dead-letter is a copy when a dead letter of the same input record exists
///   (exact coordinates, from the DLQ and from this process's commits).
///
/// What a transaction notes is a ``Pending`` value of its own (``PendingChanges``): a commit
/// applies it (``apply(_:)``), an abort drops it with the transaction, since the rewind handles
/// those records again.
struct OriginWatermarks {
    fileprivate typealias Highest = [TopicPartition: [TopicPartition: Int64]]
    private var committed: Highest = [:]
    private var deadLettered: Set<SourceCoordinate> = []

    /// What one transaction noted, until it commits or aborts.
    struct Pending: Equatable {
        fileprivate var highest: Highest = [:]
        fileprivate var deadLettered: Set<SourceCoordinate> = []
        /// The committing transaction's notes, read below these while the next transaction is
        /// judged during that commit (none, or one layer); never applied with these.
        fileprivate var committing: [Pending] = []

        /// Nothing noted yet.
        init() {}

        /// Nothing noted yet, read over `committing` (the notes of the transaction that commits
        /// while these are made).
        init(over committing: Pending) {
            var below = committing
            below.committing = []
            self.committing = below.isEmpty ? [] : [below]
        }

        /// The committing layer below these committed: the watermarks hold it now.
        mutating func forgetCommittingLayer() {
            committing = []
        }

        /// Whether nothing is noted (of its own: the committing layer is not its own).
        var isEmpty: Bool { highest.isEmpty && deadLettered.isEmpty }

        fileprivate func highest(_ partition: TopicPartition, _ origin: TopicPartition) -> Int64? {
            highest[partition]?[origin] ?? committing.first?.highest[partition]?[origin]
        }

        fileprivate func hasDeadLetter(_ origin: SourceCoordinate) -> Bool {
            deadLettered.contains(origin) || (committing.first?.deadLettered.contains(origin) ?? false)
        }
    }

    /// Whether the record of repartition partition `partition` made from `origin` copies one
    /// handled before, judged as its outcome is a dead letter or not; if not, notes it in
    /// `pending` (the open transaction's).
    func isCopy(
        _ origin: SourceCoordinate, in partition: TopicPartition, deadLetter: Bool, pending: inout Pending
    ) -> Bool {
        let highest = pending.highest(partition, origin.partition) ?? committed[partition]?[origin.partition]
        if deadLetter {
            if deadLettered.contains(origin) || pending.hasDeadLetter(origin) { return true }
            pending.deadLettered.insert(origin)
        } else if let highest, origin.offset.rawValue <= highest {
            return true
        }
        // Handled now, in offset order: every record before it from its input partition too.
        pending.highest[partition, default: [:]][origin.partition] = max(highest ?? -1, origin.offset.rawValue)
        return false
    }

    /// An output record of repartition partition `partition` (its source), made from `origin`.
    mutating func restoredOutput(_ partition: TopicPartition, origin: SourceCoordinate) {
        committed[partition, default: [:]][origin.partition] = max(
            committed[partition]?[origin.partition] ?? -1, origin.offset.rawValue)
    }

    /// A dead letter of the relay stage, made from `origin`.
    mutating func restoredDeadLetter(_ origin: SourceCoordinate) {
        deadLettered.insert(origin)
    }

    /// Makes what a committed transaction noted permanent.
    mutating func apply(_ pending: Pending) {
        for (partition, origins) in pending.highest {
            committed[partition, default: [:]].merge(origins, uniquingKeysWith: max)
        }
        deadLettered.formUnion(pending.deadLettered)
    }
}
