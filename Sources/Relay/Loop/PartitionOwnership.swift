import Kafka

/// The input partitions this member owns, and what follows from them: which output partitions
/// are kept current, whose retention tombstones it writes, and whether it stands by.
///
/// A value the relay loop keeps and changes on rebalances; it performs no I/O. The loop asks
/// it, and does the reading, restoring and status updates itself.
struct PartitionOwnership {
    /// The member's input topics, in `input.topics` order (a ``SourcePosition``'s topic index).
    let inputTopics: [String]
    /// The topics' partition counts.
    let topology: TopicTopology
    /// How long a cooperative member's empty assignment must last before it stands by.
    let standbyGrace: Duration

    /// Input partitions this member owns.
    private(set) var assigned: Set<TopicPartition> = []
    /// Output partitions read for records keyed unlike their job_id, current until the next rebalance.
    private(set) var extraOutputPartitions: Set<KafkaPartition> = []
    /// When an empty cooperative assignment counts as standing by, unless partitions come first.
    private(set) var standbyAfter: ContinuousClock.Instant?
    /// The group's committed offset per input partition, as last fetched or committed here: what
    /// a transaction of tombstones alone commits again.
    private(set) var groupOffsets: [TopicPartition: KafkaOffset] = [:]

    init(inputTopics: [String], topology: TopicTopology, standbyGrace: Duration) {
        self.inputTopics = inputTopics
        self.topology = topology
        self.standbyGrace = standbyGrace
    }

    /// How long a cooperative member's empty assignment must last before it counts as standing
    /// by: two sessions, between 30 s and 2 minutes. The group's next round normally comes
    /// within a few heartbeats, but the members giving partitions up commit first, and a loaded
    /// machine stretched it past 10 s in a test run; a spare instance reporting ready a minute
    /// late costs less than a newcomer reporting ready before its restore. At most 2 minutes,
    /// well inside the unit's `TimeoutStartSec=300`.
    static func standbyGrace(sessionTimeout: Duration) -> Duration {
        min(max(.seconds(30), sessionTimeout * 2), .seconds(120))
    }

    // MARK: - Rebalances

    /// Takes the partitions of an assignment: all of them under the eager protocol (which
    /// assigns the whole set), added to the others under the cooperative one. Extra output
    /// partitions are read again after a rebalance: another member may have written them.
    mutating func assign(_ rebalance: KafkaRebalance) {
        if !rebalance.isCooperative { assigned = [] }
        assigned.formUnion(rebalance.partitions)
        extraOutputPartitions = []
    }

    /// The partitions a revoke (or loss) leaves: all under the eager protocol, the named ones
    /// under the cooperative one.
    func leaving(_ rebalance: KafkaRebalance) -> Set<TopicPartition> {
        rebalance.isCooperative ? Set(rebalance.partitions) : assigned
    }

    /// Gives up the partitions a revoke (or loss) takes away; returns them.
    @discardableResult
    mutating func revoke(_ rebalance: KafkaRebalance) -> Set<TopicPartition> {
        let leaving = leaving(rebalance)
        assigned.subtract(leaving)
        extraOutputPartitions = []
        return leaving
    }

    /// The member left the group: it owns nothing.
    mutating func leftGroup() {
        assigned = []
        extraOutputPartitions = []
        standbyAfter = nil
    }

    /// Whether, after `rebalance` was applied, the member stands by (in the group, ready, with
    /// no input partition).
    ///
    /// An eager revoke empties the assignment only until the assign that follows it, which
    /// decides. A cooperative newcomer's first assignment is empty while the others give up
    /// what it will get in the next round: it stands by only if nothing comes within
    /// ``standbyGrace`` (``settleStandby(now:)``), so that it does not report ready before its
    /// first restore. The first empty assignment starts that wait; later empty rounds do not
    /// push it back.
    mutating func standsBy(after rebalance: KafkaRebalance, now: ContinuousClock.Instant) -> Bool {
        let waitsForMore = assigned.isEmpty && rebalance.kind == .assign && rebalance.isCooperative
        standbyAfter = waitsForMore ? (standbyAfter ?? now + standbyGrace) : nil
        return assigned.isEmpty && !waitsForMore && (rebalance.kind == .assign || rebalance.isCooperative)
    }

    /// Whether a cooperative member's empty assignment has now outlasted the grace period: it
    /// stands by (once; `false` afterwards, and when partitions came first).
    mutating func settleStandby(now: ContinuousClock.Instant) -> Bool {
        guard let due = standbyAfter, now >= due else { return false }
        standbyAfter = nil
        return assigned.isEmpty
    }

    // MARK: - Offsets

    /// The group's committed offset of a partition, fetched or committed here; negative
    /// (logical) offsets are ignored.
    mutating func noteGroupOffset(_ offset: TopicPartitionOffset) {
        guard offset.offset.isConcrete else { return }
        groupOffsets[offset.topicPartition] = offset.offset
    }

    /// The group's committed offsets of the owned partitions that have one: what a transaction
    /// of tombstones alone commits again, so that its group generation fences a member that
    /// lost its partitions (KIP-447).
    var ownedGroupOffsets: [TopicPartitionOffset] {
        assigned.compactMap { partition in
            groupOffsets[partition].map { TopicPartitionOffset(partition, $0) }
        }
    }

    // MARK: - Jobs

    /// Whether this member writes the tombstone of `jobID`, last published from `source`: the
    /// owner of that input partition; without a source, the owner of the partition a Java
    /// producer keying by job_id would pick in the first input topic.
    func owns(_ jobID: String, _ source: SourcePosition?) -> Bool {
        if let source, inputTopics.indices.contains(Int(source.topicIndex)) {
            return assigned.contains(TopicPartition(inputTopics[Int(source.topicIndex)], source.partition))
        }
        guard let topic = inputTopics.first, let count = topology.inputPartitions[topic], count > 0 else {
            return false
        }
        let partition = Murmur2Partitioner.partition(forKey: jobID, partitionCount: count)
        return assigned.contains(TopicPartition(topic, partition))
    }

    /// In aligned mode, the output partition of `jobID` when it is not kept current here (its
    /// input record was not keyed by job_id with murmur2): the loop reads it before the record
    /// is judged, then calls ``keepCurrent(outputPartition:)``. `nil`: it is current.
    func outputPartitionToRead(for jobID: String) -> KafkaPartition? {
        guard mayReadOutputPartitions, let input = inputTopics.first else { return nil }
        let partition = Murmur2Partitioner.partition(forKey: jobID, partitionCount: topology.outputPartitions)
        guard !assigned.contains(TopicPartition(input, partition)), !extraOutputPartitions.contains(partition) else {
            return nil
        }
        return partition
    }

    /// Whether ``outputPartitionToRead(for:)`` can name a partition: in aligned mode, while this
    /// member owns fewer input partitions than the output has. Changes with the assignment only,
    /// so the loop asks once per batch.
    var mayReadOutputPartitions: Bool {
        topology.isAligned && assigned.count < Int(topology.outputPartitions)
    }

    /// An extra output partition was read: it stays current until the next rebalance.
    mutating func keepCurrent(outputPartition partition: KafkaPartition) {
        extraOutputPartitions.insert(partition)
    }

    /// The rebalance restore's replacement after an abort: the extra partitions are read again.
    mutating func forgetExtraOutputPartitions() {
        extraOutputPartitions = []
    }
}
