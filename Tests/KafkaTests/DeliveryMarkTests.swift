import Kafka
import TestSupport
import Testing

@testable import Kafka

/// ``KafkaProducer/waitForDelivery(before:timeout:)`` waits for the records enqueued before a
/// mark and for none after it: at-least-once, the relay waits for one transaction's records
/// while the next one's are produced.
@Suite("Delivery marks", .timeLimit(.minutes(2)))
struct DeliveryMarkTests {
    /// Records to a partition whose leader is down stay outstanding; a wait for the records
    /// before them ends anyway (a flush would not), a wait that includes them times out, and
    /// ends once the leader is back.
    @Test(.enabled(if: !TestBroker.isExternal, "fault injection needs the in-process mock cluster"))
    func aWaitCoversTheRecordsBeforeTheMarkAndNoneAfter() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let mock = try #require(cluster.mock)
        let topic = TestBroker.uniqueName("delivery-mark")
        try await cluster.createTopic(topic, partitions: 2)
        try mock.setPartitionLeader(topic: topic, partition: 0, broker: 1)
        try mock.setPartitionLeader(topic: topic, partition: 1, broker: 2)
        let producer = try KafkaProducer(
            configuration: cluster.configuration(["linger.ms": "0"]), logger: cluster.logger)
        func send(_ partition: KafkaPartition, _ count: Int) async throws {
            for index in 0..<count {
                try await producer.send(
                    KafkaOutgoingMessage(topic: topic, partition: partition, key: nil, value: [UInt8(index % 256)]))
            }
        }
        try await send(1, 1)
        try await producer.flush(timeout: .seconds(30))  // partition 1's leader known before it goes down
        _ = producer.takeDeliveryReport()
        try mock.setBrokerDown(2)

        let beforeStuck = producer.deliveryMark
        try await send(0, 50)
        let beforeLater = producer.deliveryMark
        try await send(1, 5)
        try await send(0, 50)
        let afterAll = producer.deliveryMark
        #expect(beforeStuck < beforeLater && beforeLater < afterAll)

        try await producer.waitForDelivery(before: beforeLater, timeout: .seconds(30))
        let early = producer.takeDeliveryReport()
        #expect(early.isSuccess && early.delivered >= 50, "the 50 records before the mark are delivered")
        await #expect(throws: KafkaError.self) {
            try await producer.waitForDelivery(before: afterAll, timeout: .milliseconds(500))
        }
        #expect(producer.outstandingCount >= 5, "partition 1's records wait for their leader")

        try mock.setBrokerUp(2)
        try await producer.waitForDelivery(before: afterAll, timeout: .seconds(60))
        let report = producer.takeDeliveryReport()
        #expect(report.isSuccess && early.delivered + report.delivered == 105, "\(early) \(report)")
        await producer.close()
    }

    /// Reports come in any order across partitions; the window moves past a record only once
    /// every record before it is reported, and each report gives back the record's own tag.
    @Test func theWindowMovesOnlyPastReportedRecords() {
        var window = DeliveryWindow()
        let sequences = (0..<5).map { window.enqueue(tag: $0 == 2 ? nil : $0 * 10) }
        #expect(sequences == [0, 1, 2, 3, 4] && window.nextSequence == 5)
        #expect(window.report(3) == 30 && window.firstUnreported == 0)
        #expect(window.report(1) == 10 && window.firstUnreported == 0)
        #expect(window.report(0) == 0 && window.firstUnreported == 2, "0 and 1 reported, 2 not")
        #expect(window.report(1) == nil, "a second report of a record is ignored")
        #expect(window.report(2) == nil && window.firstUnreported == 4, "no tag; 3 was already reported")
        #expect(window.report(9) == nil && window.firstUnreported == 4, "a number never given out is ignored")
        #expect(window.report(4) == 40 && window.firstUnreported == 5 && window.nextSequence == 5)
        #expect(window.enqueue(tag: 7) == 5, "numbers go on after the window empties")
    }

    /// The window drops reported records in bulk while a record stays outstanding, and keeps
    /// every later record's number and tag.
    @Test func aLongWindowBehindOneOutstandingRecordKeepsItsNumbers() {
        var window = DeliveryWindow()
        let stuck = window.enqueue(tag: 0)
        for tag in 1...20_000 {
            let sequence = window.enqueue(tag: tag)
            if tag > 1 { #expect(window.report(sequence - 1) == tag - 1) }
        }
        #expect(window.firstUnreported == stuck)
        #expect(window.report(stuck) == 0 && window.firstUnreported == 20_000)
        for round in 0..<3 {
            let first = window.enqueue(tag: round)
            #expect(window.report(20_000) == (round == 0 ? 20_000 : nil))
            _ = window.report(first)
        }
        #expect(window.firstUnreported == window.nextSequence)
    }
}
