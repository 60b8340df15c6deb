import Kafka
import Testing

@testable import Relay

/// Held records go out each partition's first record first, and every partition keeps its order.
@Suite("Registration order of held records")
struct RegistrationOrderTests {
    static func record(_ topic: String, _ key: String?, _ tag: Int) -> OpenTransaction.HeldRecord {
        let message = KafkaOutgoingMessage(
            topic: topic, key: key.map { Array($0.utf8) }, value: Array(String(tag).utf8))
        return OpenTransaction.HeldRecord(message: message, tag: tag, slot: slot(message))
    }

    /// The partition of a record in these tests: its key's first letter (a to d), `nil` for no key.
    static func partition(_ message: KafkaOutgoingMessage) -> KafkaPartition? {
        message.key?.first.map { KafkaPartition(rawValue: Int32($0) - 97) }
    }

    /// The slot of a record in these tests: "out"'s partitions are 0 to 3, "dlq"'s 4 to 7.
    static func slot(_ message: KafkaOutgoingMessage) -> Int? {
        partition(message).map { (message.topic == "out" ? 0 : 4) + Int($0.rawValue) }
    }

    @Test func eachPartitionsFirstRecordGoesFirstAndEveryPartitionKeepsItsOrder() {
        var records: [OpenTransaction.HeldRecord] = []
        var rng = SystemRandomNumberGenerator()
        for tag in 0..<300 {
            let topic = Bool.random(using: &rng) ? "out" : "dlq"
            let key = Int.random(in: 0..<10, using: &rng) == 0 ? nil : ["a", "b", "c", "d"].randomElement(using: &rng)
            records.append(Self.record(topic, key.map { $0 + "\(tag)" }, tag))
        }
        let order = RegistrationOrder.order(of: records)
        #expect(order.sorted() == Array(records.indices), "each record once")
        let ordered = order.map { records[$0] }
        #expect(ordered.compactMap(\.tag).sorted() == records.compactMap(\.tag), "the same records")
        // Every partition keeps its order, and so do the records without one.
        func sequence(_ list: [OpenTransaction.HeldRecord], _ topic: String, _ partition: KafkaPartition?) -> [Int?] {
            list.filter { $0.message.topic == topic && Self.partition($0.message) == partition }.map(\.tag)
        }
        for topic in ["out", "dlq"] {
            for partition in [nil] + (0..<4).map({ KafkaPartition(rawValue: $0) }) {
                #expect(sequence(ordered, topic, partition) == sequence(records, topic, partition))
            }
        }
        // Every partition is reached within the first records: as many as there are partitions,
        // plus the ones without a known partition.
        let unknown = records.filter { Self.partition($0.message) == nil }.count
        let reached = Set(
            ordered.prefix(8 + unknown).compactMap { record in
                Self.partition(record.message).map { TopicPartition(record.message.topic, $0) }
            })
        #expect(
            reached.count
                == Set(
                    records.compactMap { r in Self.partition(r.message).map { TopicPartition(r.message.topic, $0) } }
                ).count)
    }
}
