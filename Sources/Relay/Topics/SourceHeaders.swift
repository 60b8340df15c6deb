public import Kafka

/// Makes the source headers of published records (``DeadLetter/Header/sourceTopic``,
/// ``DeadLetter/Header/sourcePartition``, ``DeadLetter/Header/sourceOffset``), the same bytes as
/// ``DeadLetter/sourceHeaders(of:)``, with no allocation per record in the steady state: the
/// topic's and the partitions' values are made once, and one array of the three headers, with
/// its offset's digits, is rewritten in place for each record. In place because the relay lets
/// go of a record's headers once librdkafka has copied them: the array is then this cache's
/// alone again. A caller that keeps an earlier result keeps its value (the next call copies,
/// as any shared Swift array does).
///
/// One per relay loop; the relay publishes every record it keeps with these headers, so they
/// are on its per-record path.
public struct SourceHeaders: Sendable {
    private var topic: (name: String, value: [UInt8])?
    private var partitions: [[UInt8]] = []
    /// The last result: topic, partition, offset.
    private var headers: [KafkaHeader] = [
        KafkaHeader(name: DeadLetter.Header.sourceTopic, value: nil),
        KafkaHeader(name: DeadLetter.Header.sourcePartition, value: nil),
        KafkaHeader(name: DeadLetter.Header.sourceOffset, value: nil),
    ]

    /// An empty cache.
    public init() {}

    /// The source headers of `message`, in the order ``DeadLetter/sourceHeaders(of:)`` writes them.
    public mutating func headers(of message: KafkaMessage) -> [KafkaHeader] {
        let topicValue = topicValue(message.topic)
        let partitionValue = partitionValue(message.partition)
        // Taken out first, so that the array holds the only other reference to neither.
        var offsetDigits = headers[2].value.take() ?? []
        offsetDigits.removeAll(keepingCapacity: true)
        Self.appendDecimal(message.offset.rawValue, to: &offsetDigits)
        headers[0].value = topicValue
        headers[1].value = partitionValue
        headers[2].value = offsetDigits
        return headers
    }

    /// Appends the decimal digits of `number` (with a minus sign if negative), as `String(number)` spells it.
    static func appendDecimal(_ number: Int64, to bytes: inout [UInt8]) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        var rest = number.magnitude
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        // Reversed in place (a slice's reverse() would copy the array).
        var low = start
        var high = bytes.count - 1
        while low < high {
            bytes.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    /// The topic's name as header bytes; a batch is mostly one topic, so the last one is kept.
    private mutating func topicValue(_ name: String) -> [UInt8] {
        if let topic, topic.name == name { return topic.value }
        let value = Array(name.utf8)
        topic = (name, value)
        return value
    }

    /// The partition's number in decimal, made once per partition.
    private mutating func partitionValue(_ partition: KafkaPartition) -> [UInt8] {
        let index = Int(partition.rawValue)
        guard index >= 0, index < Self.cachedPartitions else { return Array(partition.description.utf8) }
        while partitions.count <= index { partitions.append(Array(String(partitions.count).utf8)) }
        return partitions[index]
    }

    /// Partitions above this many are rare enough to be written each time.
    private static let cachedPartitions = 4096
}
