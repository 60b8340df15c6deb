import Kafka

/// The input records whose effect the output or the DLQ already holds, by their own
/// source coordinates (the `jobstatusd.source.*` headers every published record and dead
/// letter carries). Only a record's own coordinates prove it was handled: outputs reach
/// their partitions independently, so a later record can be there while an earlier one
/// never arrived (DESIGN.md section 3). A replayed record found here counts as a
/// duplicate; one not found is processed again and the content dedup decides.
///
/// Memory stays bounded by a *floor* per input partition: only offsets at or above it are
/// kept, because the group never replays below its committed offset. Restore raises the
/// floor to the committed offset it finds; each commit of ours raises it to the offsets it
/// stored. ``floor(of:)`` says from where the set is complete: a restore that finds the
/// group's committed offset *below* it (a broker that did not keep our offsets, or an
/// operator's reset) must read the output again from the start.
struct HandledRecords {
    /// What is known of one input partition: one hash per record finds all of it.
    private struct Partition {
        /// Offsets at or above ``floor`` that the output or the DLQ named.
        var offsets: Set<Int64> = []
        var floor: Int64 = 0
        /// The highest offset any output or dead letter read named, floors aside: what
        /// ``isBeyondEnd(_:end:)`` compares with the partition's end.
        var highest: Int64 = -1
    }

    private var partitions: [TopicPartition: Partition] = [:]
    /// How many coordinates are kept, over all partitions.
    private(set) var count = 0
    /// Input partitions whose coordinates prove nothing any more (their offsets were reused).
    private(set) var distrusted: Set<TopicPartition> = []

    /// Whether the record at `offset` of `partition` was handled.
    func contains(_ partition: TopicPartition, _ offset: KafkaOffset) -> Bool {
        // Often empty (one instance, its replays behind it): no hashing per record then.
        guard count > 0 else { return false }
        return partitions[partition]?.offsets.contains(offset.rawValue) ?? false
    }

    /// Notes a handled record found in the output or the DLQ.
    mutating func record(_ partition: TopicPartition, _ offset: KafkaOffset) {
        let offset = offset.rawValue
        let isDistrusted = !distrusted.isEmpty && distrusted.contains(partition)
        let inserted = modify(partition) { known in
            if offset > known.highest { known.highest = offset }
            guard offset >= known.floor, !isDistrusted else { return false }
            return known.offsets.insert(offset).inserted
        }
        if inserted { count += 1 }
    }

    /// The highest offset of `partition` named by the output or the DLQ, if it is at or past
    /// `end`, the partition's end offset: records were handled at offsets the partition has not
    /// reached, so its offsets went backwards (the topic was deleted and recreated, or
    /// truncated) and the coordinates read name other, older records.
    func isBeyondEnd(_ partition: TopicPartition, end: KafkaOffset) -> KafkaOffset? {
        guard let top = partitions[partition]?.highest, top >= 0, end.isConcrete, top >= end.rawValue else {
            return nil
        }
        return KafkaOffset(rawValue: top)
    }

    /// Stops taking `partition`'s coordinates as proof, for as long as this process runs: its
    /// records are judged by content from now on (DESIGN.md: without proof, a record is
    /// processed again and the content dedup decides).
    mutating func distrust(_ partition: TopicPartition) {
        distrusted.insert(partition)
        let dropped = modify(partition) { known in
            defer { known.offsets = [] }
            return known.offsets.count
        }
        count -= dropped
    }

    /// From which offset the set is complete for `partition` (0 when nothing was dropped).
    func floor(of partition: TopicPartition) -> KafkaOffset {
        KafkaOffset(rawValue: partitions[partition]?.floor ?? 0)
    }

    /// Forgets offsets below `offset`: the group will not replay them.
    mutating func raiseFloor(_ partition: TopicPartition, to floor: KafkaOffset) {
        let offset = floor.rawValue
        let dropped = modify(partition) { known -> Int in
            guard offset > known.floor else { return 0 }
            known.floor = offset
            guard !known.offsets.isEmpty else { return 0 }
            let before = known.offsets.count
            known.offsets = known.offsets.filter { $0 >= offset }
            return before - known.offsets.count
        }
        count -= dropped
    }

    /// Makes the set claim completeness only from `offset` on, before the output is read
    /// again from its start to fill it in.
    mutating func lowerFloor(_ partition: TopicPartition, to floor: KafkaOffset) {
        modify(partition) { $0.floor = max(0, floor.rawValue) }
    }

    /// Runs `body` on what is known of `partition` (created empty when nothing is).
    @discardableResult
    private mutating func modify<Result>(_ partition: TopicPartition, _ body: (inout Partition) -> Result) -> Result {
        body(&partitions[partition, default: Partition()])
    }

    /// Sets the floors from the group's committed offsets, fetched as partitions are assigned;
    /// returns whether the output must be read again from its start: the committed offset of a
    /// partition being assigned (`assigning`) went below its floor. Floors of the other input
    /// partitions only rise, which forgets coordinates other instances' commits made useless.
    /// No committed offset (a logical one) counts as 0: the group starts at the beginning.
    mutating func adopt(groupOffsets: [TopicPartitionOffset], assigning: Set<TopicPartition>) -> Bool {
        var fromStart = false
        for offset in groupOffsets {
            let replayFrom = max(KafkaOffset(rawValue: 0), offset.offset)
            if assigning.contains(offset.topicPartition), replayFrom < floor(of: offset.topicPartition) {
                lowerFloor(offset.topicPartition, to: replayFrom)
                fromStart = true
            } else {
                raiseFloor(offset.topicPartition, to: replayFrom)
            }
        }
        return fromStart
    }
}
