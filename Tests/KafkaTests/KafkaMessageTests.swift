import Testing

@testable import Kafka

/// Records of a batch share one buffer; what a caller sees must not depend on it.
@Suite("Kafka message bytes")
struct KafkaMessageTests {
    let partition = TopicPartition("t", 0)

    /// Two records cut from one shared buffer, the way the consumer builds a batch.
    func batch() -> (KafkaMessage, KafkaMessage) {
        let storage = Array("k1v1k2".utf8)
        let first = KafkaMessage(
            topicPartition: partition, offset: KafkaOffset(rawValue: 0), storage: storage, keyRange: 0..<2,
            valueRange: 2..<4, headers: [], timestampMilliseconds: nil)
        let second = KafkaMessage(
            topicPartition: partition, offset: KafkaOffset(rawValue: 1), storage: storage, keyRange: 4..<6,
            valueRange: nil, headers: [], timestampMilliseconds: 7)
        return (first, second)
    }

    @Test func keysAndValuesAreTheirOwnRanges() {
        let (first, second) = batch()
        #expect(first.key == Array("k1".utf8))
        #expect(first.value == Array("v1".utf8))
        #expect(first.valueCount == 2)
        #expect(second.key == Array("k2".utf8))
        #expect(second.value == nil, "a null value is a tombstone")
        #expect(second.valueCount == nil)
        #expect(second.withValueBytes { _ in true } == nil)
        #expect(first.withValueBytes { Array($0) } == Array("v1".utf8))
        #expect(first.keyEquals("k1"))
        #expect(!first.keyEquals("k2"))
        #expect(!first.keyEquals("k") && !first.keyEquals("k12"), "a prefix or an extension is another key")
        #expect(second.keyEquals("k2") && !second.keyEquals("k1"), "each record's key is its own range of the buffer")
        let id = "c2f5d0e1-8f3a-4b7e-9d2c-1a6b3e8f0d4a"  // longer than a small string's 15 bytes
        let long = KafkaMessage(
            topicPartition: partition, offset: KafkaOffset(rawValue: 0), key: Array(id.utf8), value: nil)
        #expect(long.keyEquals(id) && !long.keyEquals(String(id.dropLast()) + "b") && !long.keyEquals(""))
    }

    @Test func equalityAndHashingIgnoreTheSharedBuffer() {
        let (first, _) = batch()
        let alone = KafkaMessage(
            topicPartition: partition, offset: KafkaOffset(rawValue: 0), key: Array("k1".utf8), value: Array("v1".utf8))
        #expect(first == alone)
        #expect(Set([first, alone]).count == 1)
        var changed = alone
        changed.value = Array("v2".utf8)
        #expect(changed != alone)
        #expect(changed.key == Array("k1".utf8), "setting the value keeps the key")
        changed.key = nil
        #expect(changed.key == nil && !changed.keyEquals(""))
        #expect(changed.value == Array("v2".utf8))
    }

    @Test func anEmptyValueIsNotATombstone() {
        let empty = KafkaMessage(topicPartition: partition, offset: KafkaOffset(rawValue: 0), key: nil, value: [])
        #expect(empty.value == [])
        #expect(empty.valueCount == 0)
        #expect(empty.withValueBytes { $0.count } == 0)
    }
}
