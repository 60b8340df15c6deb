import JobStatus
import Kafka
import Relay
import Testing

@Suite("Dead letters")
struct DeadLetterTests {
    static func record(
        _ topic: String, _ partition: KafkaPartition, _ offset: Int64, headers: [KafkaHeader] = []
    )
        -> KafkaMessage
    {
        KafkaMessage(
            topicPartition: TopicPartition(topic, partition), offset: KafkaOffset(rawValue: offset),
            key: Array("job-1".utf8), value: Array("not json".utf8), headers: headers)
    }

    @Test func aDeadLetterKeepsTheRecordAndSaysWhyAndWhereFrom() throws {
        let letter = DeadLetter.make(
            for: Self.record("in", 3, 42, headers: [KafkaHeader(name: "trace", string: "t")]),
            error: InvalidEvent(.invalidJSON, "bad"), topic: "dlq")
        #expect(letter.topic == "dlq")
        #expect(letter.key == Array("job-1".utf8) && letter.value == Array("not json".utf8))
        #expect(letter.headers.first?.name == "trace", "the producer's headers come first, untouched")
        let names = letter.headers.map(\.name)
        #expect(names.contains(DeadLetter.Header.reason) && names.contains(DeadLetter.Header.message))
        let source = try #require(DeadLetter.source(of: Self.read(letter, at: 0)))
        #expect(source.0 == TopicPartition("in", 3) && source.1 == KafkaOffset(rawValue: 42))
    }

    /// The published records' headers come from a cache of topic and partition bytes: the same
    /// bytes as the dead letters' source headers, for every topic, partition and offset met in
    /// any order (a cache that kept a stale topic or partition would differ here).
    @Test func cachedSourceHeadersAreTheDeadLettersSourceHeaders() {
        var cache = SourceHeaders()
        let records = [
            Self.record("in", 3, 42), Self.record("in", 0, 0), Self.record("other", 3, 43), Self.record("in", 3, 44),
            Self.record("in", 11, 9_000_000_000), Self.record("in", 5000, 1), Self.record("in", 2, 7),
        ]
        for record in records {
            #expect(cache.headers(of: record) == DeadLetter.sourceHeaders(of: record))
        }
        // The cache rewrites one array in place; results kept meanwhile keep their values.
        let kept = records.map { cache.headers(of: $0) }
        #expect(kept == records.map { DeadLetter.sourceHeaders(of: $0) })
        #expect(cache.headers(of: Self.record("in", -1, -5)) == DeadLetter.sourceHeaders(of: Self.record("in", -1, -5)))
    }

    /// Issue 10 (minor): a dead letter re-injected into the input carries its old source headers;
    /// dead-lettered again, it must report where it was read this time, not the first time.
    @Test func aReinjectedDeadLetterReportsItsNewCoordinates() throws {
        let first = DeadLetter.make(
            for: Self.record("in", 3, 42), error: InvalidEvent(.invalidJSON, "bad"), topic: "dlq")
        let reinjected = Self.record("in", 1, 7, headers: first.headers)
        let second = DeadLetter.make(for: reinjected, error: InvalidEvent(.invalidJSON, "bad"), topic: "dlq")
        let source = try #require(DeadLetter.source(of: Self.read(second, at: 0)))
        #expect(source.0 == TopicPartition("in", 1) && source.1 == KafkaOffset(rawValue: 7))
    }

    /// `dlq.connect-headers`: Connect's names for the same facts, after jobstatusd's own.
    @Test func connectHeadersAreWrittenOnlyWhenAskedFor() {
        let plain = DeadLetter.make(
            for: Self.record("in", 3, 42), error: InvalidEvent(.invalidJSON, "bad"), topic: "dlq")
        #expect(!plain.headers.contains { $0.name.hasPrefix("__connect.") })
        let letter = DeadLetter.make(
            for: Self.record("in", 3, 42), error: InvalidEvent(.invalidJSON, "bad"), topic: "dlq", connectHeaders: true)
        func value(_ name: String) -> String? { letter.headers.last { $0.name == name }?.stringValue }
        #expect(value(DeadLetter.ConnectHeader.topic) == "in")
        #expect(value(DeadLetter.ConnectHeader.partition) == "3")
        #expect(value(DeadLetter.ConnectHeader.offset) == "42")
        #expect(value(DeadLetter.ConnectHeader.stage) == "VALUE_CONVERTER")
        #expect(value(DeadLetter.ConnectHeader.exceptionClass) == "jobstatusd.invalid_json")
        #expect(value(DeadLetter.Header.reason) == "invalid_json", "jobstatusd's own headers stay")
    }

    /// The record as a reader of `letter.topic` would see it.
    static func read(_ letter: KafkaOutgoingMessage, at offset: Int64) -> KafkaMessage {
        KafkaMessage(
            topicPartition: TopicPartition(letter.topic, 0), offset: KafkaOffset(rawValue: offset), key: letter.key,
            value: letter.value, headers: letter.headers)
    }
}
