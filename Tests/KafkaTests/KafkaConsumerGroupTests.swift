import Foundation
import Kafka
import TestSupport
import Testing

/// Consumer groups over a real broker: resume from commits, rebalance between members.
@Suite("Kafka consumer groups", .timeLimit(.minutes(3)))
struct KafkaConsumerGroupTests {
    func messages(topic: String, partitions: Int32, count: Int) -> [KafkaOutgoingMessage] {
        (0..<count).map { index in
            KafkaOutgoingMessage(
                topic: topic, partition: KafkaPartition(rawValue: Int32(index) % partitions),
                key: Array("k\(index)".utf8),
                value: Array("v\(index)".utf8))
        }
    }

    @Test func resumesFromCommittedOffsetsAfterCloseAndReopen() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("resume")
        let group = TestBroker.uniqueName("group")
        try await cluster.createTopic(topic, partitions: 2)
        try await cluster.produce(messages(topic: topic, partitions: 2, count: 40))

        let first = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(group: group), logger: cluster.logger)
        try first.subscribe(topics: [topic])
        let firstReader = GroupReader(consumer: first)
        let firstCount = SeenRecords()
        try await firstReader.run { firstCount.add($0) >= 10 }
        await first.close()
        let firstSeen = await firstReader.seen

        let committedReader = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(group: group), logger: cluster.logger)
        let committed = try await committedReader.committed(
            [TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout: .seconds(10))
        await committedReader.close()
        let committedTotal = committed.map { max(0, $0.offset.rawValue) }.reduce(0, +)
        #expect(committedTotal == Int64(firstSeen.count))

        let second = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(group: group), logger: cluster.logger)
        try second.subscribe(topics: [topic])
        let secondReader = GroupReader(consumer: second)
        let needed = 40 - firstSeen.count
        let secondCount = SeenRecords()
        try await secondReader.run { secondCount.add($0) >= needed }
        await second.close()
        let secondSeen = await secondReader.seen

        let all = (firstSeen + secondSeen).map { "\($0.topicPartition)@\($0.offset)" }
        #expect(all.count == 40)
        #expect(Set(all).count == 40)
    }

    @Test(arguments: ["range", "cooperative-sticky"])
    func twoMembersTogetherSeeEveryRecordOnce(strategy: String) async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("rebalance")
        let group = TestBroker.uniqueName("group")
        let total = 400
        try await cluster.createTopic(topic, partitions: 4)
        // Half the records now, half once the second member owns partitions: how long a
        // rebalance takes depends on the broker and the machine, and must not decide whether
        // the second member gets a share.
        try await cluster.produce(messages(topic: topic, partitions: 4, count: total / 2))

        let configuration = cluster.consumerConfiguration(
            group: group, ["partition.assignment.strategy": strategy])
        let first = try KafkaConsumer(configuration: configuration, logger: cluster.logger)
        try first.subscribe(topics: [topic])
        let firstReader = GroupReader(consumer: first)
        let second = try KafkaConsumer(configuration: configuration, logger: cluster.logger)
        let secondReader = GroupReader(consumer: second)

        let records = SeenRecords()
        async let firstRun: Void = firstReader.run(batchSize: 10, pace: .milliseconds(100)) { records.add($0) >= total }
        // The second member joins while the first is busy reading.
        try await waitUntil("the first member read 60 records", timeout: .seconds(60)) { records.distinctCount >= 60 }
        try second.subscribe(topics: [topic])
        async let secondRun: Void = secondReader.run(batchSize: 10, pace: .milliseconds(100)) {
            records.add($0) >= total
        }
        try await waitUntil("the second member has partitions", timeout: .seconds(60)) {
            await secondReader.hasBeenAssignedPartitions
        }
        let rest = messages(topic: topic, partitions: 4, count: total).dropFirst(total / 2)
        try await cluster.produce(Array(rest))
        try await firstRun
        try await secondRun
        await first.close()
        await second.close()

        let all = (await firstReader.seen + secondReader.seen).map { "\($0.topicPartition)@\($0.offset)" }
        #expect(Set(all).count == total, "every record seen")
        // A commit refused mid-rebalance leaves its records to be read again by the next owner: the
        // mock cluster refuses every commit while its group is JOINING (real Kafka accepts commits of
        // the current generation then). Only those records may be seen twice, once more for each
        // time a member gave them up uncommitted.
        var released: [String: Int] = [:]
        for message in await firstReader.releasedUncommitted + secondReader.releasedUncommitted {
            released["\(message.topicPartition)@\(message.offset)", default: 0] += 1
        }
        var sightings: [String: Int] = [:]
        for record in all { sightings[record, default: 0] += 1 }
        let repeatedUnreleased = sightings.filter { record, count in count - 1 > released[record, default: 0] }
        #expect(
            repeatedUnreleased.isEmpty,
            "seen more often than given up uncommitted: \(repeatedUnreleased.sorted { $0.key < $1.key }.prefix(5))")
        print(
            "consumer groups (\(strategy)): \(all.count - total) records seen twice, \(released.values.reduce(0, +)) given up uncommitted"
        )
        let secondRebalances = await secondReader.rebalances
        #expect(await secondReader.hasBeenAssignedPartitions)
        #expect(await !secondReader.seen.isEmpty, "the second member got a share")
        #expect(secondRebalances.allSatisfy { $0.isCooperative == (strategy == "cooperative-sticky") })
    }
}

/// The distinct records seen by a group's members, shared between their tasks.
final class SeenRecords: Sendable {
    private let records = Locked(Set<String>())

    /// Adds a batch; returns how many distinct records have been seen.
    func add(_ batch: [KafkaMessage]) -> Int {
        records.withLock { records in
            for message in batch { records.insert("\(message.topicPartition)@\(message.offset)") }
            return records.count
        }
    }

    var distinctCount: Int { records.withLock { $0.count } }
}
