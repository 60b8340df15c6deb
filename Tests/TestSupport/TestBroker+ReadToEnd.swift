public import Kafka

extension TestBroker {
    /// Every record of `topic` from the beginning to the end of each partition, by
    /// ``PartitionEndReader``'s rule (the end fetch responses report: under read_committed, the
    /// last stable offset). Call it once the writers stopped, or read again until a condition
    /// holds.
    ///
    /// Ends on the broker's word, never on a quiet spell, so a slow machine reads the same.
    public func readToEnd(
        _ topic: String, isolation: KafkaIsolation = .readCommitted, timeout: Duration = .seconds(60)
    ) async throws -> [KafkaMessage] {
        let count = try await partitionCount(of: topic)
        let partitions = KafkaPartition.all(count: Int32(count)).map { TopicPartition(topic, $0) }
        return try await readToEnd(partitions, isolation: isolation, timeout: timeout)
    }

    /// Every record of `partitions` from the beginning to each one's end.
    public func readToEnd(
        _ partitions: [TopicPartition], isolation: KafkaIsolation = .readCommitted, timeout: Duration = .seconds(60)
    ) async throws -> [KafkaMessage] {
        let reader = try PartitionEndReader(
            configuration: configuration(), groupID: Self.uniqueName("reader"), isolation: isolation, logger: logger)
        var messages: [KafkaMessage] = []
        do {
            _ = try await reader.readToEnd(partitions, limit: .deadline(.now + timeout)) { messages.append($0) }
        } catch {
            await reader.close()
            switch error {
            case .kafka(let error):
                throw error
            case .timedOut(let unfinished):
                throw TestFailure("\(unfinished.map(\.partition)) not read to the end within \(timeout)")
            case .stopped:
                throw CancellationError()
            }
        }
        await reader.close()
        return messages
    }
}
