import Foundation
import Kafka
import TestSupport
import Testing

/// A producer told about its topics before its first record (``KafkaProducer/warmUp(topics:timeout:)``)
/// knows their partitions already: one that meets a topic in its first record holds every record
/// until its own metadata request returns (0.8 s of a relay's first commit on the mock).
@Suite("Kafka producer warm-up", .timeLimit(.minutes(2)))
struct KafkaProducerWarmUpTests {
    /// The topics and partitions a producer's statistics report (librdkafka lists a topic once
    /// the client holds an object for it, with its partitions once it has their metadata).
    final class KnownTopics: Sendable {
        private let reports = Locked<[[String: Set<String>]]>([])

        func record(_ json: String) {
            guard let report = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                let topics = report["topics"] as? [String: Any]
            else { return }
            let known = topics.mapValues { topic in
                Set(((topic as? [String: Any])?["partitions"] as? [String: Any] ?? [:]).keys)
            }
            reports.withLock { $0.append(known) }
        }

        var count: Int { reports.withLock { $0.count } }
        var last: [String: Set<String>] { reports.withLock { $0.last ?? [:] } }
    }

    @Test func aWarmedUpProducerKnowsItsTopicsPartitionsBeforeItsFirstRecord() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let (warm, other) = (TestBroker.uniqueName("warm"), TestBroker.uniqueName("other"))
        try await cluster.createTopic(warm, partitions: 3)
        try await cluster.createTopic(other, partitions: 3)
        let known = KnownTopics()
        let producer = try KafkaProducer(
            configuration: cluster.configuration(["statistics.interval.ms": "100"]), logger: cluster.logger,
            statisticsHandler: { known.record($0) })
        try await producer.warmUp(topics: [warm], timeout: .seconds(30))
        // Waited for, not read at once: a broker that answers the warm-up's request before its
        // new topic has leaders (tansu, now and then) leaves librdkafka asking again, on its
        // own, for a topic it knows. A producer that was not warmed up never asks (no record is
        // produced here), and the wait times out.
        try await waitUntil("the warmed topic's partitions in the statistics", timeout: .seconds(30)) {
            Set(["0", "1", "2"]).isSubset(of: known.last[warm] ?? [])
        }
        #expect(known.last[other] == nil, "a topic not warmed up or produced to is unknown: \(known.last)")
        await producer.close()
        await #expect(throws: KafkaError.self, "a closed producer says so") {
            try await producer.warmUp(topics: [warm], timeout: .seconds(1))
        }
    }
}
