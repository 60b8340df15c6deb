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
}
