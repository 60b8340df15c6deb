import Kafka
import Testing

@testable import Relay

/// The restore reads source headers from their bytes; it must find what `DeadLetter.source(of:)`
/// finds (restores are exactly-once critical), for the input topics only.
@Suite("Restored source")
struct RestoredSourceTests {
    static let inputTopics = ["jobs", "jobs-b"]

    static func record(_ headers: [(String, String?)]) -> KafkaMessage {
        KafkaMessage(
            topicPartition: TopicPartition("out", 0), offset: KafkaOffset(rawValue: 0), key: Array("job".utf8),
            value: nil, headers: headers.map { KafkaHeader(name: $0.0, value: $0.1.map { Array($0.utf8) }) })
    }

    static func headers(_ topic: String?, _ partition: String?, _ offset: String?) -> [(String, String?)] {
        [
            (DeadLetter.Header.sourceTopic, topic), (DeadLetter.Header.sourcePartition, partition),
            (DeadLetter.Header.sourceOffset, offset),
        ]
    }

    /// What the restore took before: `DeadLetter.source(of:)`, kept when its topic is an input topic.
    static func expected(_ message: KafkaMessage) -> (Int16, TopicPartition, KafkaOffset)? {
        guard let (partition, offset) = DeadLetter.source(of: message),
            let index = inputTopics.firstIndex(of: partition.topic)
        else { return nil }
        return (Int16(index), partition, offset)
    }

    @Test(arguments: [
        headers("jobs", "3", "42"), headers("jobs-b", "0", "0"), headers("other", "3", "42"),
        headers("jobs", "+3", "-7"), headers("jobs", "3x", "1"), headers("jobs", "", "1"), headers("jobs", "-", "1"),
        headers("jobs", "2147483648", "1"), headers("jobs", "2147483647", "9223372036854775807"),
        headers("jobs", "-2147483648", "-9223372036854775808"), headers("jobs", "1", "9223372036854775808"),
        headers("jobs", " 1", "1"), headers("jobs", nil, "1"), headers("jobs ", "1", "1"), headers("jobs", "1", "٣"),
        headers("jobs", "1", "1") + headers("jobs-b", "2", "5"), headers("jobs", "1", "1") + [("x", "y")],
        headers("jobs", "1", "1") + [(DeadLetter.Header.sourceOffset, nil)],
        [(DeadLetter.Header.sourceTopic, "jobs"), (DeadLetter.Header.sourcePartition, "1")], [],
    ])
    func findsWhatTheDeadLetterReaderFinds(_ headers: [(String, String?)]) {
        let message = Self.record(headers)
        let found = RestoredSource(of: message, inputTopics: Self.inputTopics)
        let expected = Self.expected(message)
        #expect(found?.topicIndex == expected?.0)
        #expect(found?.partition == expected?.1)
        #expect(found?.offset == expected?.2)
        if let found {
            #expect(
                found.position
                    == SourcePosition(
                        topicIndex: found.topicIndex, partition: found.partition.partition, offset: found.offset))
        }
    }
}
