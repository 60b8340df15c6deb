import Kafka
import TestSupport
import Testing

/// Admin requests on the in-process mock cluster (tansu's are in `TansuBrokerTests`).
@Suite("Kafka admin on the mock cluster", .timeLimit(.minutes(2)))
struct KafkaAdminTests {
    /// DescribeConfigs goes to the broker that just answered a metadata request, not to the
    /// controller: the mock names none, and librdkafka would wait for one until the timeout
    /// (5 s at every relay start). Nor to a broker that is down, which metadata still lists.
    /// librdkafka then refuses the request at once: the mock's ApiVersions lacks DescribeConfigs.
    @Test(.enabled(if: !TestBroker.isExternal, "the in-process mock cluster"))
    func describingConfigsAsksABrokerThatIsUpInsteadOfWaitingForAController() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let mock = try #require(cluster.mock)
        let topic = TestBroker.uniqueName("describe")
        try await cluster.createTopic(topic, partitions: 1)
        try mock.setPartitionLeader(topic: topic, partition: 0, broker: 2)
        try mock.setBrokerDown(1)
        let admin = try KafkaAdmin(configuration: cluster.configuration(), logger: cluster.logger)
        let error = await #expect(throws: KafkaError.self) {
            try await admin.describeTopicConfiguration(topic, timeout: .seconds(30))
        }
        #expect(error?.code == .unsupportedFeature, "\(String(describing: error))")
        await admin.close()
    }
}
