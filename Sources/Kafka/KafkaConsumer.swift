import CRdKafka
public import Logging
import Synchronization

/// A Kafka consumer: a consumer group member (``subscribe(topics:)``) or a
/// reader of chosen partitions (``assign(_:)``), over the system librdkafka.
///
/// Records come in batches from ``poll(maxMessages:timeout:)``, copied out of
/// librdkafka once (payload, key, headers). Every blocking librdkafka call
/// runs on the consumer's own thread (see `ClientThread`), which waits in
/// `poll(2)` on librdkafka's queue event fd, so async callers never block the
/// cooperative pool and records are picked up as soon as they arrive.
///
/// Rebalances are returned as events *before* they are applied (see
/// ``KafkaRebalance``). Call ``close()`` to leave the group before dropping
/// the consumer.
public final class KafkaConsumer: Sendable {
    let client: KafkaClient
    private let engine: ConsumerEngine
    /// `partition.assignment.strategy` is cooperative-sticky (see ``close()``).
    private let usesCooperativeAssignor: Bool
    private let subscribed = Atomic<Bool>(false)

    /// The most records one poll returns.
    public let maxBatchSize: Int

    /// Creates a consumer.
    /// - Parameters:
    ///   - configuration: librdkafka properties; `group.id` is needed for ``subscribe(topics:)``.
    ///     `queued.min.messages` defaults to 10,000,000 here, so that only
    ///     `queued.max.messages.kbytes` bounds the records fetched ahead (librdkafka 2.0.2 pauses
    ///     a partition's fetches for up to a second at the count bound, which a fast reader waits on).
    ///   - logger: receives librdkafka's log lines and client errors.
    ///   - statisticsHandler: receives librdkafka's statistics JSON every `statistics.interval.ms`.
    ///   - maxBatchSize: the most records one ``poll(maxMessages:timeout:)`` returns.
    /// - Throws: ``KafkaError`` naming a property librdkafka rejected.
    public init(
        configuration: KafkaConfiguration, logger: Logger, statisticsHandler: (@Sendable (String) -> Void)? = nil,
        maxBatchSize: Int = 10_000
    ) throws(KafkaError) {
        let context = ClientContext(
            clientName: "kafka-consumer", logger: logger, statisticsHandler: statisticsHandler)
        let client = try KafkaClient(
            type: RD_KAFKA_CONSUMER, configuration: configuration.withConsumerDefaults, context: context,
            threadWatchesEvents: false
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        }
        self.client = client
        self.usesCooperativeAssignor =
            configuration["partition.assignment.strategy"]?.contains("cooperative-sticky") ?? false
        self.maxBatchSize = max(1, maxBatchSize)
        self.engine = ConsumerEngine(client: client, capacity: self.maxBatchSize)
        // The handler holds the engine weakly: the engine holds the client, which holds the context.
        let engine = self.engine
        context.rebalanceHandler.withLock { handler in
            handler = RebalanceHandler { [weak engine] code, partitions in
                guard let engine else { return false }
                engine.handleRebalance(code: code, partitions: partitions)
                return true
            }
        }
    }

    deinit {
        engine.release()
    }

    // MARK: - Assignment

    /// Joins the consumer group (`group.id`) for these topics.
    public func subscribe(topics: [String]) throws(KafkaError) {
        try client.checkUsable()
        let list = PartitionList.make(topics.map { TopicPartition($0, .unassigned) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_subscribe(client.handle, list), context: "subscribe to \(topics)")
        subscribed.store(true, ordering: .releasing)
    }

    /// Leaves the subscription: librdkafka revokes the assignment (a ``KafkaRebalance`` the next
    /// poll returns, applied by the poll after it) and then sends LeaveGroup, *also for a static
    /// member* (`group.instance.id`), which ``close()`` alone never makes leave (KIP-345). Poll
    /// until the revoke is applied before closing, or the close cuts the leave short.
    public func unsubscribe() throws(KafkaError) {
        try client.checkUsable()
        try KafkaError.check(rd_kafka_unsubscribe(client.handle), context: "unsubscribe")
    }

    /// Reads exactly these partitions from these offsets, outside any group balancing. Replaces
    /// the previous assignment; records and partition ends buffered for it are dropped.
    public func assign(_ partitions: [TopicPartitionOffset]) throws(KafkaError) {
        try client.checkUsable()
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_assign(client.handle, list), context: "assign \(partitions)")
        engine.setAssigned(partitions.map(\.topicPartition))
    }

    /// The partitions currently assigned.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        try client.checkUsable()
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        try KafkaError.check(rd_kafka_assignment(client.handle, &list), context: "assignment")
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return PartitionList.offsets(list).map(\.topicPartition)
    }

    /// `EAGER`, `COOPERATIVE`, or `NONE` before the first rebalance.
    public var rebalanceProtocol: String {
        guard !client.isDestroyed else { return "NONE" }
        return rd_kafka_rebalance_protocol(client.handle).map { String(cString: $0) } ?? "NONE"
    }

    // MARK: - Reading

    /// The next batch of records, a rebalance, or an error.
    ///
    /// Returns as soon as records are available (up to `maxMessages`), or an
    /// empty batch after `timeout`, or at once when the task is cancelled.
    /// Calling it also applies a rebalance returned by the previous call.
    public func poll(maxMessages: Int = 1000, timeout: Duration) async -> KafkaConsumerEvent {
        await startPoll(maxMessages: maxMessages, timeout: timeout).event()
    }

    /// Starts a poll now and returns it, to be awaited later: the consumer's thread takes records
    /// out of librdkafka while the caller does other work. It is submitted before this returns,
    /// so the consumer's calls made after it (a seek, a commit) run after it, and what it reads
    /// lies before them. Await it (``KafkaPendingPoll/event()``) before polling again.
    public func startPoll(maxMessages: Int = 1000, timeout: Duration) -> KafkaPendingPoll {
        let request = FetchRequest(maxMessages: min(max(1, maxMessages), maxBatchSize), timeout: timeout)
        if client.isDestroyed {
            request.complete(.error(KafkaClient.closed(client.context.clientName)))
        } else {
            client.thread.submit(ClientThread.Job(body: { [engine] in engine.runFetch(request) }, payload: request))
        }
        return KafkaPendingPoll(request: request, thread: client.thread)
    }

    // MARK: - Offsets

    /// Commits offsets synchronously (the offset of the *next* record to read, as Kafka expects).
    public func commit(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        try await client.thread.run { () throws(KafkaError) in
            let list = PartitionList.make(offsets)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            try KafkaError.check(rd_kafka_commit(handle.pointer, list, 0), context: "commit offsets")
            if let error = PartitionList.firstError(list, context: "commit offset of") { throw error }
        }
    }

    /// The group's committed offsets for these partitions (``KafkaOffset/invalid`` where none).
    public func committed(
        _ partitions: [TopicPartition], timeout: Duration
    ) async throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        return try await client.thread.run { () throws(KafkaError) in
            let list = PartitionList.make(partitions)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            try KafkaError.check(
                rd_kafka_committed(handle.pointer, list, timeout.timeoutMilliseconds),
                context: "fetch committed offsets")
            return PartitionList.offsets(list)
        }
    }

    /// The offsets of the next records this consumer will return.
    public func position(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartitionOffset] {
        try client.checkUsable()
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_position(client.handle, list), context: "position")
        return PartitionList.offsets(list)
    }

    /// Moves the fetch positions of assigned partitions (e.g. back to the committed offsets after an abort).
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration) async throws(KafkaError) {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        try await client.thread.run { () throws(KafkaError) in
            let list = PartitionList.make(offsets)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            try KafkaError.check(
                rd_kafka_seek_partitions(handle.pointer, list, timeout.timeoutMilliseconds), context: "seek")
            if let error = PartitionList.firstError(list, context: "seek") { throw error }
        }
        engine.discardBuffered(for: Set(offsets.map(\.topicPartition)))
    }

    /// Stops fetching these partitions until ``resume(_:)``.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try client.checkUsable()
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_pause_partitions(client.handle, list), context: "pause")
    }

    /// Fetches paused partitions again.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try client.checkUsable()
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_resume_partitions(client.handle, list), context: "resume")
    }

    /// The low and high watermarks of a partition, asked of the broker. With
    /// `isolation.level=read_committed` the high one is the last stable offset.
    public func watermarks(
        for partition: TopicPartition, timeout: Duration
    ) async throws(KafkaError)
        -> (low: KafkaOffset, high: KafkaOffset)
    {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        let (low, high) = try await client.thread.run { () throws(KafkaError) -> (Int64, Int64) in
            var low: Int64 = -1
            var high: Int64 = -1
            try KafkaError.check(
                rd_kafka_query_watermark_offsets(
                    handle.pointer, partition.topic, partition.partition.rawValue, &low, &high,
                    timeout.timeoutMilliseconds),
                context: "watermarks of \(partition)")
            return (low, high)
        }
        return (KafkaOffset(rawValue: low), KafkaOffset(rawValue: high))
    }

    /// The low and high watermarks librdkafka cached from its last fetch response for this
    /// partition, without asking the broker (``KafkaOffset/invalid`` until the first fetch). The
    /// high one is the high watermark even under `read_committed` (librdkafka 2.0.2), so a reader
    /// may never reach it while a transaction is open; the partition-EOF event marks the last
    /// stable offset. Unlike ListOffsets (wrong on some brokers, `brokers.md`), fetch responses
    /// are what the broker really serves.
    public func cachedWatermarks(for partition: TopicPartition) -> (low: KafkaOffset, high: KafkaOffset) {
        guard !client.isDestroyed else { return (.invalid, .invalid) }
        var low: Int64 = -1001
        var high: Int64 = -1001
        let error = rd_kafka_get_watermark_offsets(
            client.handle, partition.topic, partition.partition.rawValue, &low, &high)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return (.invalid, .invalid) }
        return (KafkaOffset(rawValue: low), KafkaOffset(rawValue: high))
    }

    /// Brokers and every topic with its partitions, asked through this consumer's connection, so
    /// its metadata cache knows the leaders of topics it has not used yet: partitions assigned
    /// later start fetching at once instead of waiting for a metadata refresh first.
    public func metadata(timeout: Duration) async throws(KafkaError) -> KafkaClusterMetadata {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        return try await client.thread.run { () throws(KafkaError) in
            try KafkaAdmin.metadata(handle.pointer, timeout: timeout)
        }
    }

    /// The member id the group coordinator gave this consumer; empty before it joins and once it
    /// has left (librdkafka clears it when it sends LeaveGroup).
    public var memberID: String {
        guard !client.isDestroyed, let pointer = rd_kafka_memberid(client.handle) else { return "" }
        defer { rd_kafka_mem_free(client.handle, pointer) }
        return String(cString: pointer)
    }

    /// The group metadata to send with offsets in a transaction: take it anew for every
    /// transaction, since it carries the member's current generation (KIP-447 fencing).
    public func groupMetadata() throws(KafkaError) -> KafkaGroupMetadata {
        try client.checkUsable()
        guard let pointer = rd_kafka_consumer_group_metadata(client.handle) else {
            throw KafkaError.invalidArgument("no consumer group metadata: is group.id set?")
        }
        return KafkaGroupMetadata(pointer: pointer)
    }

    // MARK: - Closing

    /// Leaves the group (revoking partitions without waiting for the caller),
    /// then destroys the client. Idempotent. A static member (`group.instance.id`) does not
    /// leave on close (KIP-345: its restart takes its partitions back without a rebalance):
    /// ``unsubscribe()`` first to hand them over.
    public func close() async {
        guard !client.isDestroyed else { return }
        let handle = UnsafeSendableHandle(client.handle)
        let engine = self.engine
        let closeResult: KafkaError? = await client.thread.run(topLevelOnly: true) { () throws(Never) -> KafkaError? in
            engine.beginClosing()
            let error = rd_kafka_consumer_close(handle.pointer)
            engine.releaseQueue()
            return error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(error, context: "close consumer")
        }
        if let closeResult {
            client.context.logger.warning("consumer close reported an error", metadata: ["error": "\(closeResult)"])
        }
        if isDestroyUnsafe {
            // librdkafka < 2.3.0 aborts the process destroying a cooperative-sticky consumer that
            // joined but never completed a SyncGroup (its assignor state is NULL; librdkafka#4312).
            // The consumer has left its group; its handle is left to the process's exit.
            client.context.logger.warning(
                "not destroying a cooperative consumer that was never assigned partitions: librdkafka would abort",
                metadata: ["librdkafka": "\(LibrdkafkaVersion.current)", "see": "librdkafka#4312, fixed in 2.3.0"])
            client.abandon()
            return
        }
        await client.destroy()
    }

    /// Whether `rd_kafka_destroy` may hit librdkafka#4312 (fixed in 2.3.0): a cooperative-sticky
    /// member that never got an assignment may have had its JoinGroup answered (the assignor
    /// chosen) without a SyncGroup (its state NULL). Read after `rd_kafka_consumer_close`, which
    /// serves an assignment still queued. Decided conservatively, without asking librdkafka
    /// (whose answer can be stale, and which blocks): a needless leak at exit is cheap, an abort
    /// is not.
    private var isDestroyUnsafe: Bool {
        LibrdkafkaVersion.number < 0x0203_0000 && usesCooperativeAssignor && subscribed.load(ordering: .acquiring)
            && !client.context.hasBeenAssigned.load(ordering: .acquiring)
    }
}

// MARK: - librdkafka callback

private let kafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, code, partitions, _ in
        if code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            clientContext(of: handle)?.hasBeenAssigned.store(true, ordering: .releasing)
        }
        let handler = clientContext(of: handle)?.rebalanceHandler.withLock { $0 }
        if handler?.call(code, partitions) == true { return }
        // No consumer left to ask (it is being destroyed without close()): apply the change as is.
        guard let handle else { return }
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) == "COOPERATIVE" } ?? false
        switch (code, cooperative) {
        case (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, true):
            rd_kafka_error_destroy(rd_kafka_incremental_assign(handle, partitions))
        case (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, false):
            _ = rd_kafka_assign(handle, partitions)
        case (_, true):
            rd_kafka_error_destroy(rd_kafka_incremental_unassign(handle, partitions))
        default:
            _ = rd_kafka_assign(handle, nil)
        }
    }
