import Kafka

/// `input.keying: any`, the relay stage: which repartition records are copies of input records
/// already handled. The first stage writes an input partition's records into each repartition
/// partition in offset order; it writes them again only after an abort or a restart, from its
/// last committed offset. Brokers that show aborted records (tansu, the mock) or keep no
/// transactional offsets (the mock) let those copies through, at new repartition offsets, so
/// the relay's own coordinate evidence does not know them. Within one repartition partition, a
/// record whose input offset is not above the highest already handled from its input partition
/// is such a copy. Kept per transaction: an abort forgets what it noted, since the rewind
/// handles those records again.
struct OriginWatermarks {
    private typealias Highest = [TopicPartition: [TopicPartition: Int64]]
    private var committed: Highest = [:]
    private var pending: Highest = [:]

    /// Whether `message`, read from a repartition partition, copies an input record handled
    /// before; if not, notes it (until the transaction commits or aborts).
    mutating func isCopy(_ message: KafkaMessage) -> Bool {
        guard let (origin, offset) = RepartitionRecord.origin(of: message) else { return false }
        let partition = message.topicPartition
        if let highest = pending[partition]?[origin] ?? committed[partition]?[origin], offset.rawValue <= highest {
            return true
        }
        pending[partition, default: [:]][origin] = offset.rawValue
        return false
    }

    /// Notes a record found by a restore: repartition partition `partition` (its source) was
    /// handled up to `offset` of input partition `origin`.
    mutating func restored(_ partition: TopicPartition, origin: TopicPartition, offset: KafkaOffset) {
        committed[partition, default: [:]][origin] = max(committed[partition]?[origin] ?? -1, offset.rawValue)
    }

    mutating func commitPending() {
        for (partition, origins) in pending {
            committed[partition, default: [:]].merge(origins, uniquingKeysWith: max)
        }
        pending = [:]
    }

    mutating func discardPending() {
        pending = [:]
    }
}
