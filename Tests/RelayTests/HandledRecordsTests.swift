import JobStatus
import Kafka
import Testing

@testable import Relay

/// What proves an input record was handled: its own coordinates, never a maximum.
@Suite("Handled records")
struct HandledRecordsTests {
    let partition = TopicPartition("in", 0)

    /// Issue 10's cause: outputs reach their partitions independently, so offset 7 can be in the
    /// output while offset 5 never arrived. A maximum would call 5 handled and lose it.
    @Test func aLaterRecordProvesNothingAboutAnEarlierOne() {
        var handled = HandledRecords()
        handled.record(partition, KafkaOffset(rawValue: 7))
        #expect(handled.contains(partition, KafkaOffset(rawValue: 7)))
        #expect(!handled.contains(partition, KafkaOffset(rawValue: 5)))
        #expect(!handled.contains(TopicPartition("in", 1), KafkaOffset(rawValue: 7)))
    }

    @Test func theFloorDropsWhatTheGroupWillNotReplay() {
        var handled = HandledRecords()
        for offset in [3, 5, 9, 12] as [Int64] { handled.record(partition, KafkaOffset(rawValue: offset)) }
        handled.raiseFloor(partition, to: 9)
        #expect(handled.floor(of: partition) == 9)
        #expect(handled.count == 2)
        #expect(!handled.contains(partition, KafkaOffset(rawValue: 5)))
        handled.record(partition, KafkaOffset(rawValue: 4))
        #expect(!handled.contains(partition, KafkaOffset(rawValue: 4)), "below the floor: not kept")
        handled.raiseFloor(partition, to: 2)
        #expect(handled.floor(of: partition) == 9, "floors never go down by raising")
        handled.lowerFloor(partition, to: 0)
        handled.record(partition, KafkaOffset(rawValue: 4))
        #expect(handled.contains(partition, KafkaOffset(rawValue: 4)), "a reread from the start fills it in")
    }

    /// Issue 24, defect 4: coordinates at or past a partition's end name records of an older
    /// incarnation of the topic; once distrusted, a partition's coordinates prove nothing.
    @Test func coordinatesPastThePartitionsEndAreSeenAndThenDistrusted() {
        var handled = HandledRecords()
        for offset in [3, 9, 40] as [Int64] { handled.record(partition, KafkaOffset(rawValue: offset)) }
        handled.raiseFloor(partition, to: 9)
        #expect(handled.isBeyondEnd(partition, end: 41) == nil, "the end lies past every coordinate")
        #expect(handled.isBeyondEnd(partition, end: 40) == 40, "floors aside: the highest offset named")
        #expect(handled.isBeyondEnd(partition, end: -1) == nil, "no end known")
        #expect(handled.isBeyondEnd(TopicPartition("in", 1), end: 0) == nil)
        handled.distrust(partition)
        #expect(!handled.contains(partition, KafkaOffset(rawValue: 40)))
        handled.record(partition, KafkaOffset(rawValue: 41))
        #expect(!handled.contains(partition, KafkaOffset(rawValue: 41)), "nothing of it is kept any more")
        #expect(handled.distrusted == [partition])
    }

    /// The group's committed offsets set the floors as partitions are assigned: an assigned
    /// partition whose offset went below its floor means the set is incomplete (read the output
    /// from its start); other partitions' floors only rise.
    @Test func theGroupsCommittedOffsetsSetTheFloors() {
        let other = TopicPartition("in", 1)
        var handled = HandledRecords()
        handled.raiseFloor(partition, to: 50)
        handled.raiseFloor(other, to: 50)
        handled.record(other, 60)
        let rewound = handled.adopt(
            groupOffsets: [TopicPartitionOffset(other, 20), TopicPartitionOffset(partition, 70)], assigning: [partition]
        )
        #expect(!rewound, "the assigned partition moved on; the other one's lower offset is old news")
        #expect(handled.floor(of: partition) == 70 && handled.floor(of: other) == 50)
        #expect(handled.contains(other, 60))

        let backwards = handled.adopt(groupOffsets: [TopicPartitionOffset(partition, 10)], assigning: [partition])
        #expect(backwards, "an assigned partition behind its floor: the output is read from its start")
        #expect(handled.floor(of: partition) == 10)

        let unset = handled.adopt(groupOffsets: [TopicPartitionOffset(other, .invalid)], assigning: [other])
        #expect(unset && handled.floor(of: other) == 0, "no committed offset: the group starts at the beginning")
    }

    /// A replayed record counts as what its first run did: a duplicate, a tombstone, or a dead
    /// letter already written.
    @Test func aReplayCountsAsItsFirstRunsOutcome() {
        var counters = RelayCounters()
        counters.countReplay(of: .tombstone)
        counters.countReplay(of: .invalid(InvalidEvent(.invalidJSON, "x")))
        #expect(counters.tombstones == 1 && counters.deadLettersAlreadyWritten == 1)
        #expect(counters.invalid[.invalidJSON] == 1 && counters.dropped.isEmpty)
    }
}
