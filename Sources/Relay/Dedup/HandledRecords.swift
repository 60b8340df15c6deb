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
    private var offsets: [TopicPartition: Set<Int64>] = [:]
    private var floors: [TopicPartition: Int64] = [:]
    /// The highest offset of each input partition that any output or dead letter read named,
    /// floors aside: what ``isBeyondEnd(_:end:)`` compares with the partition's end.
    private var highest: [TopicPartition: Int64] = [:]
    /// Input partitions whose coordinates prove nothing any more (their offsets were reused).
    private(set) var distrusted: Set<TopicPartition> = []

    /// Whether the record at `offset` of `partition` was handled.
    func contains(_ partition: TopicPartition, _ offset: KafkaOffset) -> Bool {
        // Often empty (one instance, its replays behind it): no hashing per record then.
        guard !offsets.isEmpty else { return false }
        return offsets[partition]?.contains(offset.rawValue) ?? false
    }

    /// Notes a handled record found in the output or the DLQ.
    mutating func record(_ partition: TopicPartition, _ offset: KafkaOffset) {
        if offset.rawValue > highest[partition, default: -1] { highest[partition] = offset.rawValue }
        guard offset.rawValue >= floors[partition, default: 0], !distrusted.contains(partition) else { return }
        offsets[partition, default: []].insert(offset.rawValue)
    }

    /// The highest offset of `partition` named by the output or the DLQ, if it is at or past
    /// `end`, the partition's end offset: records were handled at offsets the partition has not
    /// reached, so its offsets went backwards (the topic was deleted and recreated, or
    /// truncated) and the coordinates read name other, older records.
    func isBeyondEnd(_ partition: TopicPartition, end: KafkaOffset) -> KafkaOffset? {
        guard let top = highest[partition], end.isConcrete, top >= end.rawValue else { return nil }
        return KafkaOffset(rawValue: top)
    }

    /// Stops taking `partition`'s coordinates as proof, for as long as this process runs: its
    /// records are judged by content from now on (DESIGN.md: without proof, a record is
    /// processed again and the content dedup decides).
    mutating func distrust(_ partition: TopicPartition) {
        distrusted.insert(partition)
        offsets[partition] = nil
    }

    /// From which offset the set is complete for `partition` (0 when nothing was dropped).
    func floor(of partition: TopicPartition) -> KafkaOffset {
        KafkaOffset(rawValue: floors[partition, default: 0])
    }

    /// Forgets offsets below `offset`: the group will not replay them.
    mutating func raiseFloor(_ partition: TopicPartition, to floor: KafkaOffset) {
        let offset = floor.rawValue
        guard offset > floors[partition, default: 0] else { return }
        floors[partition] = offset
        if let kept = offsets[partition] {
            let remaining = kept.filter { $0 >= offset }
            offsets[partition] = remaining.isEmpty ? nil : remaining
        }
    }

    /// Makes the set claim completeness only from `offset` on, before the output is read
    /// again from its start to fill it in.
    mutating func lowerFloor(_ partition: TopicPartition, to floor: KafkaOffset) {
        floors[partition] = max(0, floor.rawValue)
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

    /// How many coordinates are kept (for tests and metrics).
    var count: Int { offsets.values.reduce(0) { $0 + $1.count } }
}
