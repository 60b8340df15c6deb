import Foundation
import Kafka
import TestSupport
import Testing

@testable import Relay

/// Issue 10, defect 4: a restore reads each partition to the end that fetch responses report;
/// it never takes silence for the end, and it fails, naming the partition, at its deadline.
/// Slow fetches come from the mock cluster's round-trip delay, so these need the mock.
@Suite("Output restorer", .enabled(if: !TestBroker.isExternal, "round-trip delays need the mock cluster"))
struct OutputRestorerTests {
    static func setUp(records: Int) async throws -> (TestBroker, TopicPartition) {
        let topic = TestBroker.uniqueName("restore")
        let broker = try TestBroker.mock(brokers: 1, topics: [topic: 1], label: "restore-test")
        try await broker.produce(
            (0..<records).map {
                KafkaOutgoingMessage(topic: topic, key: Array("k\($0)".utf8), value: Array("v\($0)".utf8))
            })
        return (broker, TopicPartition(topic, 0))
    }

    static func restorer(_ broker: TestBroker) throws -> OutputRestorer {
        try OutputRestorer(
            kafka: broker.configuration(), group: TestBroker.uniqueName("group"), logger: broker.logger)
    }

    /// Every response takes 1.5 s, so the first polls (1 s each) come back empty: the read
    /// goes on until the partition's end, and sees every record.
    @Test func aSlowFetchIsWaitedForNotTakenForTheEnd() async throws {
        let (broker, partition) = try await Self.setUp(records: 50)
        let restorer = try Self.restorer(broker)
        try broker.mock?.setRoundTripTime(broker: 1, .milliseconds(1500))
        let count = try await restorer.catchUp([partition], deadline: .now + .seconds(120)) { _ in }
        await restorer.close()
        #expect(count == 50)
    }

    /// Responses slower than the whole deadline: the read fails loudly, naming the partition
    /// and how far it got, instead of returning a partial table.
    @Test func aRestorePastItsDeadlineFailsNamingThePartition() async throws {
        let (broker, partition) = try await Self.setUp(records: 50)
        let restorer = try Self.restorer(broker)
        try broker.mock?.setRoundTripTime(broker: 1, .seconds(5))
        do {
            let count = try await restorer.catchUp([partition], deadline: .now + .milliseconds(1500)) { _ in }
            Issue.record("read \(count) records and returned after the deadline instead of failing")
        } catch .timedOut(let partitions) {
            #expect(partitions.map(\.partition) == [partition])
            #expect(partitions.first?.next == 0, "nothing read")
        } catch {
            Issue.record("expected timedOut, got \(error)")
        }
        await restorer.close()
    }
}
