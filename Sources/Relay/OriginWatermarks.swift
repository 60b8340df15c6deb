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
/// Kept per transaction: an abort forgets what it noted, since the rewind handles those records
/// again.
struct OriginWatermarks {
    private typealias Highest = [TopicPartition: [TopicPartition: Int64]]
    private var committed: Highest = [:]
    private var pending: Highest = [:]
    private var deadLettered: Set<SourceCoordinate> = []
    private var pendingDeadLettered: Set<SourceCoordinate> = []

    /// Whether the record of repartition partition `partition` made from `origin` copies one
    /// handled before, judged as its outcome is a dead letter or not; if not, notes it (until
    /// the transaction commits or aborts).
    mutating func isCopy(_ origin: SourceCoordinate, in partition: TopicPartition, deadLetter: Bool) -> Bool {
        let highest = pending[partition]?[origin.partition] ?? committed[partition]?[origin.partition]
        if deadLetter {
            if deadLettered.contains(origin) || pendingDeadLettered.contains(origin) { return true }
            pendingDeadLettered.insert(origin)
        } else if let highest, origin.offset.rawValue <= highest {
            return true
        }
        // Handled now, in offset order: every record before it from its input partition too.
        pending[partition, default: [:]][origin.partition] = max(highest ?? -1, origin.offset.rawValue)
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

    mutating func commitPending() {
        for (partition, origins) in pending {
            committed[partition, default: [:]].merge(origins, uniquingKeysWith: max)
        }
        deadLettered.formUnion(pendingDeadLettered)
        pending = [:]
        pendingDeadLettered = []
    }

    mutating func discardPending() {
        pending = [:]
        pendingDeadLettered = []
    }
}
