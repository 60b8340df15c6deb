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

    /// A poll started ahead is on the consumer's thread before the calls made after it: what it
    /// returns lies before a seek made after it, even when awaited after the seek (the relay's
    /// poll ahead drops what it read of a partition an abort then rewound). A poll run as a task
    /// of its own could be submitted after the seek, and return records from past it.
    @Test func aStartedPollRunsBeforeTheCallsMadeAfterIt() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("started")
        try await cluster.createTopic(topic, partitions: 1)
        try await cluster.produce(
            (0..<100).map { KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [UInt8($0)]) })
        let partition = TopicPartition(topic, 0)
        let consumer = try KafkaConsumer(
            configuration: cluster.configuration(["group.id": "g-started"]), logger: cluster.logger)
        try consumer.assign([TopicPartitionOffset(partition, .beginning)])
        // The first ten, once fetched: librdkafka then holds the rest of the partition.
        var first: [KafkaMessage] = []
        while first.isEmpty {
            guard case .messages(let batch) = await consumer.poll(maxMessages: 10, timeout: .seconds(10)) else {
                Issue.record("expected records")
                return
            }
            first = batch
        }
        #expect(first.map(\.offset.rawValue) == Array(0..<10))

        let started = consumer.startPoll(maxMessages: 10, timeout: .seconds(10))
        try await consumer.seek([TopicPartitionOffset(partition, KafkaOffset(rawValue: 50))], timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(200))  // its event came meanwhile: it is kept
        guard case .messages(let ahead) = await started.event() else {
            Issue.record("expected records from the started poll")
            return
        }
        #expect(ahead.map(\.offset.rawValue) == Array(10..<20), "read before the seek")
        guard case .messages(let after) = await consumer.poll(maxMessages: 10, timeout: .seconds(10)) else {
            Issue.record("expected records after the seek")
            return
        }
        #expect(after.first?.offset.rawValue == 50, "the seek ran after the started poll")
        await consumer.close()
    }

    /// A full local queue: `trySend` says so and enqueues nothing, and `send` waits for room
    /// (its delivery reports), so every record is delivered once, in order.
    @Test func aFullQueueRefusesATrySendAndMakesASendWait() async throws {
        let cluster = try TestBroker.start()
        defer { withExtendedLifetime(cluster) {} }
        let topic = TestBroker.uniqueName("full")
        try await cluster.createTopic(topic, partitions: 1)
        try await cluster.createTopic(topic + "-held", partitions: 1)
        let held = try KafkaProducer(
            configuration: cluster.configuration(["queue.buffering.max.messages": "5", "linger.ms": "60000"]),
            logger: cluster.logger)
        // Another topic: the close sends the five it holds.
        let record = KafkaOutgoingMessage(topic: topic + "-held", partition: 0, key: nil, value: [1])
        for _ in 0..<5 { #expect(try held.trySend(record)) }
        #expect(try !held.trySend(record), "six records in a queue of five")
        await held.close(timeout: .seconds(1))

        let producer = try KafkaProducer(
            configuration: cluster.configuration(["queue.buffering.max.messages": "5"]), logger: cluster.logger)
        let sent = (0..<200).map { KafkaOutgoingMessage(topic: topic, partition: 0, key: nil, value: [UInt8($0)]) }
        for message in sent { try await producer.send(message) }
        try await producer.flush(timeout: .seconds(30))
        #expect(producer.takeDeliveryReport().delivered == sent.count)
        await producer.close()
        let received = try await cluster.readToEnd([TopicPartition(topic, 0)])
        #expect(received.map(\.value) == sent.map(\.value), "each once, in order")
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
