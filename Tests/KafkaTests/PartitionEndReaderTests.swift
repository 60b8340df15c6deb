import Kafka
import TestSupport
import Testing

/// Issue 10, defect 4: a read to the end reads each partition to the end that fetch responses
/// report; it never takes silence for the end, and it fails, naming the partition, at its limit.
/// Slow fetches come from the mock cluster's round-trip delay, so these need the mock.
@Suite("Partition end reader", .enabled(if: !TestBroker.isExternal, "round-trip delays need the mock cluster"))
struct PartitionEndReaderTests {
    static func setUp(records: Int) async throws -> (TestBroker, TopicPartition) {
        let topic = TestBroker.uniqueName("restore")
        let broker = try TestBroker.mock(brokers: 1, topics: [topic: 1], label: "restore-test")
        try await broker.produce(
            (0..<records).map {
                KafkaOutgoingMessage(topic: topic, key: Array("k\($0)".utf8), value: Array("v\($0)".utf8))
            })
        return (broker, TopicPartition(topic, 0))
    }

    static func reader(_ broker: TestBroker) throws -> PartitionEndReader {
        try PartitionEndReader(
            configuration: broker.configuration(), groupID: TestBroker.uniqueName("group"), logger: broker.logger)
    }

    /// A first read starts at offset 0, not at the logical beginning (whose offset lookup
    /// librdkafka 2.0.2 retried after a fixed 500 ms for partitions of freshly created topics,
    /// half a second of every start): where the partition's first records are gone (the mock
    /// keeps about 5 MiB a partition, as retention would on a DLQ), the reader resets to the
    /// first one there is and reads every record from there, in order.
    @Test func aFirstReadWhoseFirstRecordsAreGoneStartsAtTheFirstOneLeft() async throws {
        let (broker, partition) = try await Self.setUp(records: 0)
        let sent = 8_000
        let padding = String(repeating: "x", count: 1_000)
        func value(_ index: Int64) -> [UInt8] { Array("value \(index) \(padding)".utf8) }
        try await broker.produce(
            (0..<sent).map { KafkaOutgoingMessage(topic: partition.topic, key: nil, value: value(Int64($0))) },
            ["linger.ms": "50"])
        let probe = try KafkaConsumer(
            configuration: broker.configuration(["group.id": TestBroker.uniqueName("probe")]), logger: broker.logger)
        let (low, high) = try await probe.watermarks(for: partition, timeout: .seconds(30))
        await probe.close()
        try #require(low.rawValue > 0, "the mock dropped the oldest records: low watermark \(low)")
        #expect(high.rawValue == Int64(sent))

        let reader = try Self.reader(broker)
        var offsets: [Int64] = []
        var firstValue: [UInt8]?
        let count = try await reader.readToEnd([partition], limit: .deadline(.now + .seconds(120))) { message in
            if offsets.isEmpty { firstValue = message.value }
            offsets.append(message.offset.rawValue)
        }
        await reader.close()
        #expect(count == Int(high.rawValue - low.rawValue))
        #expect(offsets.first == low.rawValue && offsets == Array(low.rawValue..<high.rawValue))
        #expect(firstValue == value(low.rawValue))
    }

    /// Every response takes 1.5 s, so the first polls (1 s each) come back empty: the read
    /// goes on until the partition's end, and sees every record.
    @Test func aSlowFetchIsWaitedForNotTakenForTheEnd() async throws {
        let (broker, partition) = try await Self.setUp(records: 50)
        let reader = try Self.reader(broker)
        try broker.mock?.setRoundTripTime(broker: 1, .milliseconds(1500))
        let count = try await reader.readToEnd([partition], limit: .deadline(.now + .seconds(120))) { _ in }
        await reader.close()
        #expect(count == 50)
    }

    /// Responses slower than the whole deadline: the read fails loudly, naming the partition
    /// and how far it got, instead of returning a partial read. The responses take 15 s, ten
    /// times the deadline: with 5 s, one fresh-clone run of the whole suite (every test at once,
    /// a busy loop beside it) starved the consumer's thread past the response, and the read
    /// took the records and their end from the poll it waited on, and returned.
    @Test func aReadPastItsDeadlineFailsNamingThePartition() async throws {
        let (broker, partition) = try await Self.setUp(records: 50)
        let reader = try Self.reader(broker)
        try broker.mock?.setRoundTripTime(broker: 1, .seconds(15))
        await Self.expectTimedOut(reader, partition, limit: .deadline(.now + .milliseconds(1500)))
        await reader.close()
    }

    /// A read bounded by its longest stall fails the same way when nothing comes for that long.
    /// The responses take 15 s, ten times the stall, for the reason above: with 5 s, one
    /// fresh-clone run (every test at once, a busy loop beside it) read the 50 records.
    @Test func aStalledReadFailsNamingThePartition() async throws {
        let (broker, partition) = try await Self.setUp(records: 50)
        let reader = try Self.reader(broker)
        try broker.mock?.setRoundTripTime(broker: 1, .seconds(15))
        await Self.expectTimedOut(reader, partition, limit: .stall(.milliseconds(1500)))
        await reader.close()
    }

    /// Reads `partition` within `limit`, expecting the read to fail there, having read nothing.
    static func expectTimedOut(
        _ reader: PartitionEndReader, _ partition: TopicPartition, limit: PartitionEndReader.Limit
    ) async {
        do {
            let count = try await reader.readToEnd([partition], limit: limit) { _ in }
            Issue.record("read \(count) records and returned after its limit instead of failing")
        } catch .timedOut(let partitions) {
            #expect(partitions.map(\.partition) == [partition])
            #expect(partitions.first?.next == KafkaOffset(rawValue: 0), "nothing read")
        } catch {
            Issue.record("expected timedOut, got \(error)")
        }
    }
}
