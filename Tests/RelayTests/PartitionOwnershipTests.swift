import Kafka
import Testing

@testable import Relay

/// The member's assignment, on its own: eager and cooperative rebalances, standing by, and the
/// jobs whose tombstones and output partitions follow from it. No broker: `StandbyTests` and
/// `FinishedRetentionTests` run the same rules in a group.
@Suite("Partition ownership")
struct PartitionOwnershipTests {
    static let input = "events"
    static let topology = TopicTopology(
        inputPartitions: [input: 4], outputPartitions: 4, deadLetterPartitions: 1, isAligned: true)

    static func ownership() -> PartitionOwnership {
        PartitionOwnership(inputTopics: [input], topology: topology, standbyGrace: .seconds(30))
    }

    static func partitions(_ numbers: KafkaPartition...) -> [TopicPartition] {
        numbers.map { TopicPartition(input, $0) }
    }

    static func rebalance(
        _ kind: KafkaRebalance.Kind, _ numbers: KafkaPartition..., cooperative: Bool
    ) -> KafkaRebalance {
        KafkaRebalance(kind: kind, partitions: numbers.map { TopicPartition(input, $0) }, isCooperative: cooperative)
    }

    /// The partition `by` after `partition`, of the 4.
    static func shifted(_ partition: KafkaPartition, by: Int32) -> KafkaPartition {
        KafkaPartition(rawValue: (partition.rawValue + by) % 4)
    }

    @Test func anEagerAssignmentReplacesTheOldOneACooperativeOneAddsToIt() {
        var eager = Self.ownership()
        eager.assign(Self.rebalance(.assign, 0, 1, cooperative: false))
        eager.assign(Self.rebalance(.assign, 2, cooperative: false))
        #expect(eager.assigned == Set(Self.partitions(2)))

        var cooperative = Self.ownership()
        cooperative.assign(Self.rebalance(.assign, 0, 1, cooperative: true))
        cooperative.assign(Self.rebalance(.assign, 2, cooperative: true))
        #expect(cooperative.assigned == Set(Self.partitions(0, 1, 2)))
    }

    @Test func anEagerRevokeTakesEverythingACooperativeOneTheNamedPartitions() {
        var eager = Self.ownership()
        eager.assign(Self.rebalance(.assign, 0, 1, 2, cooperative: false))
        let revoke = Self.rebalance(.revoke, 0, 1, 2, cooperative: false)
        #expect(eager.leaving(revoke) == Set(Self.partitions(0, 1, 2)))
        let revoked = eager.revoke(revoke)
        #expect(revoked == Set(Self.partitions(0, 1, 2)) && eager.assigned.isEmpty)

        var cooperative = Self.ownership()
        cooperative.assign(Self.rebalance(.assign, 0, 1, 2, cooperative: true))
        let lost = Self.rebalance(.lost, 1, cooperative: true)
        #expect(cooperative.leaving(lost) == Set(Self.partitions(1)))
        let lostPartitions = cooperative.revoke(lost)
        #expect(lostPartitions == Set(Self.partitions(1)))
        #expect(cooperative.assigned == Set(Self.partitions(0, 2)))
    }

    @Test func anEmptyEagerAssignmentStandsByARevokeBeforeItDoesNot() {
        var ownership = Self.ownership()
        let now = ContinuousClock.now
        ownership.assign(Self.rebalance(.assign, 0, cooperative: false))
        let assigned = ownership.standsBy(after: Self.rebalance(.assign, 0, cooperative: false), now: now)
        #expect(!assigned)
        ownership.revoke(Self.rebalance(.revoke, 0, cooperative: false))
        let revoked = ownership.standsBy(after: Self.rebalance(.revoke, 0, cooperative: false), now: now)
        #expect(!revoked, "the assign that follows decides")
        ownership.assign(Self.rebalance(.assign, cooperative: false))
        let empty = ownership.standsBy(after: Self.rebalance(.assign, cooperative: false), now: now)
        #expect(empty)
        let settled = ownership.settleStandby(now: now + .seconds(3600))
        #expect(ownership.standbyAfter == nil && !settled)
    }

    @Test func aCooperativeNewcomerStandsByOnlyAfterTheGracePeriod() {
        var ownership = Self.ownership()
        let start = ContinuousClock.now
        let empty = Self.rebalance(.assign, cooperative: true)
        ownership.assign(empty)
        let first = ownership.standsBy(after: empty, now: start)
        #expect(!first, "the next round may bring partitions")
        #expect(ownership.standbyAfter == start + .seconds(30))
        ownership.assign(empty)
        let second = ownership.standsBy(after: empty, now: start + .seconds(20))
        #expect(!second)
        #expect(ownership.standbyAfter == start + .seconds(30), "a later empty round does not push the wait back")
        let early = ownership.settleStandby(now: start + .seconds(29))
        let due = ownership.settleStandby(now: start + .seconds(30))
        let again = ownership.settleStandby(now: start + .seconds(31))
        #expect(!early && due)
        #expect(!again, "once")
    }

    @Test func partitionsWithinTheGracePeriodEndTheWait() {
        var ownership = Self.ownership()
        let start = ContinuousClock.now
        ownership.assign(Self.rebalance(.assign, cooperative: true))
        _ = ownership.standsBy(after: Self.rebalance(.assign, cooperative: true), now: start)
        let some = Self.rebalance(.assign, 3, cooperative: true)
        ownership.assign(some)
        let standsBy = ownership.standsBy(after: some, now: start + .seconds(1))
        let settled = ownership.settleStandby(now: start + .seconds(60))
        #expect(!standsBy && ownership.standbyAfter == nil && !settled)
    }

    @Test func aCooperativeRevokeOfTheLastPartitionStandsBy() {
        var ownership = Self.ownership()
        ownership.assign(Self.rebalance(.assign, 1, cooperative: true))
        let revoke = Self.rebalance(.revoke, 1, cooperative: true)
        ownership.revoke(revoke)
        let standsBy = ownership.standsBy(after: revoke, now: .now)
        #expect(standsBy)
    }

    @Test func theOwnerOfAJobIsTheOwnerOfItsSourcePartitionOrOfItsKeysPartition() {
        var ownership = Self.ownership()
        let jobID = "job-17"
        let keyed = Murmur2Partitioner.partition(forKey: Array(jobID.utf8), partitionCount: 4)
        let other = Self.shifted(keyed, by: 1)
        ownership.assign(Self.rebalance(.assign, other, cooperative: false))
        let fromOther = SourcePosition(topicIndex: 0, partition: other, offset: 5)
        let fromKeyed = SourcePosition(topicIndex: 0, partition: keyed, offset: 5)
        #expect(ownership.owns(jobID, fromOther))
        #expect(!ownership.owns(jobID, fromKeyed))
        #expect(!ownership.owns(jobID, nil), "without a source, the partition of its key")
        ownership.assign(Self.rebalance(.assign, keyed, cooperative: false))
        #expect(ownership.owns(jobID, nil) && !ownership.owns(jobID, fromOther))
        let unknownTopic = SourcePosition(topicIndex: 3, partition: other, offset: 5)
        #expect(ownership.owns(jobID, unknownTopic), "a topic index past input.topics: the key decides")
    }

    @Test func aJobKeyedElsewhereHasItsOutputPartitionReadOnceUntilTheNextRebalance() {
        var ownership = Self.ownership()
        let jobID = "job-17"
        let keyed = Murmur2Partitioner.partition(forKey: Array(jobID.utf8), partitionCount: 4)
        ownership.assign(Self.rebalance(.assign, Self.shifted(keyed, by: 1), cooperative: false))
        #expect(ownership.outputPartitionToRead(for: jobID) == keyed)
        ownership.keepCurrent(outputPartition: keyed)
        #expect(ownership.outputPartitionToRead(for: jobID) == nil)
        ownership.assign(
            Self.rebalance(.assign, Self.shifted(keyed, by: 1), Self.shifted(keyed, by: 2), cooperative: false))
        #expect(ownership.outputPartitionToRead(for: jobID) == keyed, "read again after a rebalance")
        ownership.assign(Self.rebalance(.assign, keyed, cooperative: true))
        #expect(ownership.outputPartitionToRead(for: jobID) == nil, "its own partition is restored")
    }

    @Test func unalignedTopicsReadEveryOutputPartitionAnyway() {
        var ownership = PartitionOwnership(
            inputTopics: [Self.input],
            topology: TopicTopology(
                inputPartitions: [Self.input: 4], outputPartitions: 8, deadLetterPartitions: 1, isAligned: false),
            standbyGrace: .seconds(30))
        ownership.assign(Self.rebalance(.assign, 0, cooperative: false))
        #expect(ownership.outputPartitionToRead(for: "job-17") == nil)
    }

    @Test func theGroupOffsetsOfOwnedPartitionsAreWhatATombstoneTransactionCommits() {
        var ownership = Self.ownership()
        ownership.assign(Self.rebalance(.assign, 0, 1, cooperative: false))
        ownership.noteGroupOffset(TopicPartitionOffset(TopicPartition(Self.input, 0), KafkaOffset(rawValue: 42)))
        ownership.noteGroupOffset(TopicPartitionOffset(TopicPartition(Self.input, 1), .invalid))
        ownership.noteGroupOffset(TopicPartitionOffset(TopicPartition(Self.input, 2), KafkaOffset(rawValue: 7)))
        #expect(
            ownership.ownedGroupOffsets == [
                TopicPartitionOffset(TopicPartition(Self.input, 0), KafkaOffset(rawValue: 42))
            ]
        )
    }

    @Test func theStandbyGraceIsTwoSessionsBetween30SecondsAnd2Minutes() {
        #expect(PartitionOwnership.standbyGrace(sessionTimeout: .seconds(6)) == .seconds(30))
        #expect(PartitionOwnership.standbyGrace(sessionTimeout: .seconds(45)) == .seconds(90))
        #expect(PartitionOwnership.standbyGrace(sessionTimeout: .seconds(300)) == .seconds(120))
    }
}
