public import Kafka

extension TestBroker {
    /// Every record of `topic` from the beginning to the end of each partition, as fetch
    /// responses report that end (partition EOF): under read_committed, the last stable
    /// offset. Call it once the writers stopped, or read again until a condition holds.
    ///
    /// Ends on the broker's word, never on a quiet spell, so a slow machine reads the same.
    public func readToEnd(
        _ topic: String, isolation: KafkaIsolation = .readCommitted, timeout: Duration = .seconds(60)
    ) async throws -> [KafkaMessage] {
        let count = try await partitionCount(of: topic)
        let partitions = (0..<Int32(count)).map { TopicPartition(topic, $0) }
        return try await readToEnd(partitions, isolation: isolation, timeout: timeout)
    }

    /// Every record of `partitions` from the beginning to each one's end (partition EOF).
    public func readToEnd(
        _ partitions: [TopicPartition], isolation: KafkaIsolation = .readCommitted, timeout: Duration = .seconds(60)
    ) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: configuration().reader(
                groupID: Self.uniqueName("reader"), isolation: isolation, reportingEnds: true),
            logger: logger)
        do {
            let messages = try await readToEnd(partitions, with: consumer, timeout: timeout)
            await consumer.close()
            return messages
        } catch {
            await consumer.close()
            throw error
        }
    }

    private func readToEnd(
        _ partitions: [TopicPartition], with consumer: KafkaConsumer, timeout: Duration
    ) async throws -> [KafkaMessage] {
        try consumer.assign(partitions.map { TopicPartitionOffset($0, .beginning) })
        var remaining = Set(partitions)
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while !remaining.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("\(remaining.sorted()) not read to the end within \(timeout)")
            }
            switch await consumer.poll(maxMessages: 10_000, timeout: .seconds(1)) {
            case .messages(let batch): messages += batch
            case .endOfPartition(let end): remaining.remove(end.topicPartition)
            case .error(let error) where error.isFatal: throw error
            case .error, .rebalance: break
            }
        }
        return messages
    }
}
