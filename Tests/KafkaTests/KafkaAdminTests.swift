import Kafka
import TestSupport
import Testing

/// Admin requests on the in-process mock cluster (tansu's are in `TansuBrokerTests`).
@Suite("Kafka admin on the mock cluster", .timeLimit(.minutes(2)))
struct KafkaAdminTests {
    /// DescribeConfigs goes to a broker from the metadata, not to the controller: the mock names
    /// none, and librdkafka would wait for one until the timeout (5 s at every relay start).
    /// The mock answers that it does not know the request at all.
    @Test(.enabled(if: !TestBroker.isExternal, "the in-process mock cluster"))
    func describingConfigsAsksABrokerInsteadOfWaitingForAController() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("describe")
        try await cluster.createTopic(topic, partitions: 1)
        let admin = try KafkaAdmin(configuration: cluster.configuration(), logger: cluster.logger)
        let error = await #expect(throws: KafkaError.self) {
            try await admin.describeTopicConfiguration(topic, timeout: .seconds(30))
        }
        #expect(error?.code == .unsupportedFeature, "\(String(describing: error))")
        await admin.close()
    }
}
