import Kafka
import TestSupport
import Testing

/// Injected broker trouble: what is retriable recovers, and nothing is lost or duplicated.
@Suite("Kafka under injected faults", .timeLimit(.minutes(2)))
struct KafkaFaultTests {
    @Test(.enabled(if: !TestBroker.isExternal, "fault injection needs the in-process mock cluster"))
    func idempotentProducerSurvivesRequestErrorsAndABrokerOutage() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let mock = try #require(cluster.mock)
        let topic = TestBroker.uniqueName("faults")
        try await cluster.createTopic(topic, partitions: 1)
        try mock.setPartitionLeader(topic: topic, partition: 0, broker: 1)
        let brokers = BrokerStates()
        let producer = try KafkaProducer(
            configuration: cluster.configuration([
                "enable.idempotence": "true", "linger.ms": "2", "retry.backoff.ms": "50",
                "message.timeout.ms": "30000", "statistics.interval.ms": "100",
            ]), logger: cluster.logger, statisticsHandler: { brokers.record($0) })
        mock.pushRequestErrors(
            .produce, [.notLeaderForPartition, .notLeaderForPartition, .notLeaderForPartition, .transport, .transport])
        let total = 1000
        for index in 0..<total {
            if index == 400 {
                // The outage starts with nothing in flight: librdkafka 2.0.2 (Debian 12) can stall an
                // idempotent partition for good after a disconnection cuts off a Produce request
                // (sequence handling after a "possibly persisted" error, fixed in 2.3.0, #4438); a CI
                // run under load timed out all 600 records queued after such a cut.
                try await producer.flush(timeout: .seconds(30))
                try await waitUntil("the producer connected to broker 1", timeout: .seconds(30)) { brokers.isUp(1) }
                brokers.forgetLost()  // the injected transport errors cut connections already
                try mock.setBrokerDown(1)
            }
            if index == 600 {
                // Records 400..<600 wait in the producer's queue until it has seen the outage.
                try await waitUntil("the producer saw broker 1 go down", timeout: .seconds(30)) { brokers.wasLost(1) }
                try mock.setBrokerUp(1)
            }
            try await producer.send(
                KafkaOutgoingMessage(topic: topic, key: nil, value: Array(String(index).utf8)))
        }
        try await producer.flush(timeout: .seconds(60))
        let report = producer.takeDeliveryReport()
        #expect(report.delivered == total)
        #expect(report.isSuccess, "\(report.failures)")
        await producer.close()

        let read = try await cluster.readToEnd([TopicPartition(topic, 0)])
        let values = read.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(values == (0..<total).map(String.init), "every record once, in order")
    }

    @Test(.enabled(if: !TestBroker.isExternal, "fault injection needs the in-process mock cluster"))
    func consumerRecoversWhenTheLeaderGoesDownAndComesBack() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let mock = try #require(cluster.mock)
        let topic = TestBroker.uniqueName("consumer-faults")
        try await cluster.createTopic(topic, partitions: 1)
        try mock.setPartitionLeader(topic: topic, partition: 0, broker: 2)
        // One record per batch, so that small fetches really take many requests.
        try await cluster.produce(
            (0..<300).map { KafkaOutgoingMessage(topic: topic, key: nil, value: [UInt8($0 % 256)]) },
            ["batch.num.messages": "1", "linger.ms": "0"])

        // Few records fetched ahead, so that most are still on the broker when it goes down.
        let consumer = try KafkaConsumer(
            configuration: cluster.configuration([
                "group.id": "faulty-reader", "fetch.wait.max.ms": "50", "max.partition.fetch.bytes": "512",
                "fetch.max.bytes": "1024", "message.max.bytes": "1000", "queued.max.messages.kbytes": "64",
                "queued.min.messages": "10",
            ]),
            logger: cluster.logger)
        try consumer.assign([TopicPartitionOffset(TopicPartition(topic, 0), .beginning)])
        var offsets: [Int64] = []
        var wentDown = false
        var cameBack = false
        while offsets.count < 300 {
            switch await consumer.poll(maxMessages: 50, timeout: .seconds(20)) {
            case .messages(let batch):
                if batch.isEmpty {
                    Issue.record("stalled at \(offsets.count)")
                    await consumer.close()
                    return
                }
                offsets += batch.map(\.offset.rawValue)
                if !wentDown && offsets.count >= 100 {
                    wentDown = true
                    try mock.setBrokerDown(2)
                }
            case .error(let error):
                #expect(!error.isFatal, "\(error)")
                // The outage lasts until the consumer reports the lost connection.
                if wentDown && !cameBack && error.code == .transport {
                    cameBack = true
                    try mock.setBrokerUp(2)
                }
            case .rebalance, .endOfPartition:
                break
            }
        }
        #expect(offsets == (0..<300).map(Int64.init))
        #expect(cameBack, "the consumer reported the outage and read on after it")
        await consumer.close()
    }
}
