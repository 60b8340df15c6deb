import Kafka
import Testing

@testable import Relay

/// The repartition topic's record: the input record unchanged, keyed by job_id, with where it
/// came from and when its producer stamped it (the topic itself stamps append time).
@Suite("Repartition records")
struct RepartitionRecordTests {
    @Test func aRecordKeepsValueAndHeadersAndNamesItsOrigin() throws {
        let input = KafkaMessage(
            topicPartition: TopicPartition("in", 2), offset: KafkaOffset(rawValue: 41), key: Array("producer-1".utf8),
            value: Array("{}".utf8), headers: [KafkaHeader(name: "trace", string: "t")],
            timestampMilliseconds: 1_700_000_000_123)
        let record = RepartitionRecord.make(from: input, jobID: "job-9", topic: "g-repartition")
        #expect(record.key == Array("job-9".utf8))
        #expect(record.value == input.value)
        #expect(record.headers.first?.name == "trace", "the input's own headers first, untouched")
        let read = KafkaMessage(
            topicPartition: TopicPartition("g-repartition", 0), offset: KafkaOffset(rawValue: 7), key: record.key,
            value: record.value, headers: record.headers)
        let origin = try #require(RepartitionRecord.origin(of: read))
        #expect(origin.partition == TopicPartition("in", 2) && origin.offset.rawValue == 41)
        #expect(RepartitionRecord.originTimestamp(of: read) == 1_700_000_000_123)
        #expect(RepartitionRecord.originHeaders(in: read).map(\.name).count == 3)
    }
}
