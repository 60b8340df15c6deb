import Kafka

/// The input record an output record or a dead letter names in its `jobstatusd.source.*`
/// headers (``DeadLetter/source(of:)``), when it is a record of one of this stage's input
/// topics: what the restore reads from every record. It finds what ``DeadLetter/source(of:)``
/// finds (the last header of each name, decimal numbers as `Int32(_:)` and `Int64(_:)` take
/// them), from the headers' bytes: no `String` is made per record, and the topic is found by
/// its index in `input.topics` rather than by hashing its name.
struct RestoredSource {
    /// The input topic's index in `input.topics`.
    var topicIndex: Int16
    /// The input partition (its topic's name is `input.topics`' own, not a copy).
    var partition: TopicPartition
    /// The record's offset in that partition.
    var offset: KafkaOffset

    /// Where the table records the publish came from.
    var position: SourcePosition {
        SourcePosition(topicIndex: topicIndex, partition: partition.partition, offset: offset)
    }

    /// The source `message`'s headers name, if they name all three coordinates and the topic is
    /// one of `inputTopics` (`input.topics`, in order: the first of equal names counts).
    init?(of message: KafkaMessage, inputTopics: [String]) {
        var topicValue: [UInt8]?
        var partitionValue: [UInt8]?
        var offsetValue: [UInt8]?
        var topicSeen = false
        var partitionSeen = false
        var offsetSeen = false
        // The last header of each name counts (a null value included: then there is no source).
        for header in message.headers.reversed() {
            if !topicSeen, header.name == DeadLetter.Header.sourceTopic {
                topicSeen = true
                topicValue = header.value
            } else if !partitionSeen, header.name == DeadLetter.Header.sourcePartition {
                partitionSeen = true
                partitionValue = header.value
            } else if !offsetSeen, header.name == DeadLetter.Header.sourceOffset {
                offsetSeen = true
                offsetValue = header.value
            }
            if topicSeen && partitionSeen && offsetSeen { break }
        }
        guard let topicValue, let partitionValue, let offsetValue,
            let partition = Self.decimal(partitionValue, as: Int32.self),
            let offset = Self.decimal(offsetValue, as: Int64.self),
            let index = Self.index(ofTopic: topicValue, in: inputTopics)
        else { return nil }
        self.topicIndex = Int16(clamping: index)
        self.partition = TopicPartition(inputTopics[index], KafkaPartition(rawValue: partition))
        self.offset = KafkaOffset(rawValue: offset)
    }

    /// The position of the topic named by `bytes` in `topics`.
    private static func index(ofTopic bytes: [UInt8], in topics: [String]) -> Int? {
        topics.firstIndex { topic in
            var topic = topic
            return topic.withUTF8 { $0.elementsEqual(bytes) }
        }
    }

    /// A decimal number as `Integer(_:)` reads it from a string: an optional sign, then at least
    /// one ASCII digit and nothing else; `nil` when it does not fit.
    static func decimal<Integer: FixedWidthInteger & SignedInteger>(_ bytes: [UInt8], as: Integer.Type) -> Integer? {
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative || bytes.first == UInt8(ascii: "+") { index = 1 }
        guard index < bytes.count else { return nil }
        var value: Integer = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) =
                negative
                ? shifted.subtractingReportingOverflow(Integer(digit)) : shifted.addingReportingOverflow(Integer(digit))
            guard !overflowed, !overflowedAgain else { return nil }
            value = next
            index += 1
        }
        return value
    }
}
