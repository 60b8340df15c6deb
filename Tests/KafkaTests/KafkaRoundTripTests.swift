import Kafka
import TestSupport
import Testing

/// Produce and consume over the Kafka protocol: keys, null values, headers.
@Suite("Kafka round trip", .timeLimit(.minutes(2)))
struct KafkaRoundTripTests {
    @Test func keysNullValuesAndHeadersSurvive() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("roundtrip")
        try await cluster.createTopic(topic, partitions: 1)
        let sent: [KafkaOutgoingMessage] = (0..<200).map { index in
            KafkaOutgoingMessage(
                topic: topic, partition: 0,
                key: index % 7 == 0 ? nil : Array("key-\(index)".utf8),
                value: index % 5 == 0 ? nil : Array("{\"n\":\(index)}".utf8),
                // Names repeat (the consumer makes each String once), differ at one byte, are
                // not ASCII, and are more than the consumer keeps (a new one per record).
                headers: index % 3 == 0
                    ? [
                        KafkaHeader(name: "h1", string: "v\(index)"), KafkaHeader(name: "empty", value: nil),
                        KafkaHeader(name: "h\(index % 10)", string: "same length"),
                        KafkaHeader(name: "é-\(index)", string: "one of 67 names"),
                    ] : [])
        }
        try await cluster.produce(sent)
        let received = try await cluster.readToEnd([TopicPartition(topic, 0)])
        #expect(received.count == sent.count)
        for (index, (message, original)) in zip(received, sent).enumerated() {
            #expect(message.offset == KafkaOffset(rawValue: Int64(index)))
            #expect(message.key == original.key)
            #expect(message.value == original.value)
            #expect(message.headers == original.headers)
            #expect(message.topic == topic)
            #expect(message.timestampMilliseconds != nil)
        }
    }

    @Test func pollTimesOutWithAnEmptyBatch() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("empty")
        try await cluster.createTopic(topic, partitions: 1)
        let consumer = try KafkaConsumer(
            configuration: cluster.configuration(["group.id": "g-empty"]), logger: cluster.logger)
        try consumer.assign([TopicPartitionOffset(TopicPartition(topic, 0), .beginning)])
        guard case .messages(let batch) = await consumer.poll(timeout: .milliseconds(300)) else {
            Issue.record("expected an empty batch")
            return
        }
        #expect(batch.isEmpty, "a poll with nothing to read ends with an empty batch, not an error")
        await consumer.close()
    }

    /// A poll that ignored cancellation would wait its full hour and hit the time limit.
    @Test(.timeLimit(.minutes(1))) func cancellationEndsAPollAtOnce() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("cancel")
        try await cluster.createTopic(topic, partitions: 1)
        let consumer = try KafkaConsumer(
            configuration: cluster.configuration(["group.id": "g-cancel"]), logger: cluster.logger)
        try consumer.assign([TopicPartitionOffset(TopicPartition(topic, 0), .beginning)])
        let task = Task { await consumer.poll(timeout: .seconds(3600)) }
        await Task.yield()
        task.cancel()
        guard case .messages(let batch) = await task.value else {
            Issue.record("expected an empty batch")
            return
        }
        #expect(batch.isEmpty)
        await consumer.close()
    }

    @Test func rejectedPropertyNamesKeyValueAndReason() throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        #expect {
            _ = try KafkaProducer(configuration: cluster.configuration(["linger.ms": "soon"]), logger: cluster.logger)
        } throws: { error in
            let text = "\(error)"
            return text.contains("linger.ms") && text.contains("soon")
        }
        #expect {
            _ = try KafkaProducer(
                configuration: cluster.configuration(["no.such.property": "1"]), logger: cluster.logger)
        } throws: { error in "\(error)".contains("no.such.property") }
        #expect {
            _ = try KafkaProducer(
                configuration: cluster.configuration(["sasl.password": "hunter2", "security.protocol": "nope"]),
                logger: cluster.logger)
        } throws: { error in
            let text = "\(error)"
            return text.contains("security.protocol") && !text.contains("hunter2")
        }
    }

    @Test func watermarksAndMetadata() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("meta")
        try await cluster.createTopic(topic, partitions: 3)
        // One record per batch: tansu answers "latest" with the last batch's base offset + 1 (brokers.md).
        try await cluster.produce(
            (0..<10).map { KafkaOutgoingMessage(topic: topic, partition: 1, key: nil, value: [UInt8($0)]) },
            ["batch.num.messages": "1", "linger.ms": "0"])
        let consumer = try KafkaConsumer(
            configuration: cluster.configuration(["group.id": "g-meta"]), logger: cluster.logger)
        let marks = try await consumer.watermarks(for: TopicPartition(topic, 1), timeout: .seconds(10))
        #expect(marks.low == KafkaOffset(rawValue: 0))
        #expect(marks.high == KafkaOffset(rawValue: 10))
        await consumer.close()
        let admin = try KafkaAdmin(configuration: cluster.configuration(), logger: cluster.logger)
        let metadata = try await admin.metadata(timeout: .seconds(10))
        #expect(metadata.topic(topic)?.partitions.count == 3)
        #expect(!metadata.brokers.isEmpty)
        await admin.close()
    }
}
