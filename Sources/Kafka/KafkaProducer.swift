import CRdKafka
public import Logging
import Synchronization

/// A Kafka producer over the system librdkafka: idempotent, and
/// transactional when `transactional.id` is set.
///
/// ``send(_:)`` only enqueues (librdkafka copies the bytes and batches them);
/// delivery reports are served on the producer's own thread, woken by
/// librdkafka's main-queue event fd, and summed in ``takeDeliveryReport()``.
/// The transactional calls block for up to their timeout, so they run on that
/// thread too, never on the caller's.
///
/// Error classes follow librdkafka's transactional API: a retriable error may
/// be retried; one that ``KafkaError/requiresAbort`` needs
/// ``abortTransaction(timeout:)``; a fatal one (fencing included) means this
/// producer is done.
public final class KafkaProducer: Sendable {
    let client: KafkaClient
    private let ledger = DeliveryLedger()
    private let mainQueue: UnsafeSendableHandle?
    private let mainQueueReleased = Atomic<Bool>(false)

    /// Whether `transactional.id` was configured.
    public let isTransactional: Bool

    /// Creates a producer.
    /// - Parameters:
    ///   - configuration: librdkafka properties, e.g. `bootstrap.servers`, `transactional.id`,
    ///     `enable.idempotence`, `partitioner`.
    ///   - logger: receives librdkafka's log lines and client errors.
    ///   - statisticsHandler: receives librdkafka's statistics JSON every `statistics.interval.ms`.
    ///   - deliveryReportPause: after serving librdkafka's events (delivery reports, mostly; logs
    ///     and statistics too), how long the producer's thread waits before it serves the next
    ///     ones (jobs submitted to it are not held). Zero serves each as it arrives; a steady
    ///     producer is better served a millisecond or two of them at a time: one wake-up of the
    ///     thread each, instead of one per response from a broker (hundreds a second).
    /// - Throws: ``KafkaError`` naming a property librdkafka rejected.
    public init(
        configuration: KafkaConfiguration, logger: Logger, statisticsHandler: (@Sendable (String) -> Void)? = nil,
        deliveryReportPause: Duration = .zero
    ) throws(KafkaError) {
        let context = ClientContext(clientName: "kafka-producer", logger: logger, statisticsHandler: statisticsHandler)
        let client = try KafkaClient(
            type: RD_KAFKA_PRODUCER, configuration: configuration, context: context, threadWatchesEvents: true
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, kafkaDeliveryCallback)
        }
        self.client = client
        self.isTransactional = configuration["transactional.id"].map { !$0.isEmpty } ?? false
        if let queue = rd_kafka_queue_get_main(client.handle) {
            var payload: UInt8 = 1
            rd_kafka_queue_io_event_enable(queue, client.thread.eventDescriptor, &payload, 1)
            mainQueue = UnsafeSendableHandle(queue)
        } else {
            mainQueue = nil
        }
        context.deliveryHandler.withLock { [ledger] handler in
            handler = DeliveryHandler { error, sequence in
                guard let sequence else { return }
                ledger.record(error, sequence: sequence)
            }
        }
        // Weak: the thread keeps its idle work, and the client keeps the thread.
        let handle = UnsafeSendableHandle(client.handle)
        client.thread.setIdleWork(pause: deliveryReportPause) { [weak client] in
            guard let client, !client.isDestroyed else { return false }
            client.thread.drainEvents()
            return rd_kafka_poll(handle.pointer, 0) > 0
        }
    }

    deinit {
        releaseMainQueue()
    }

    /// Drops our reference to the main queue, once, and always before the handle is destroyed
    /// (destroying the queue after `rd_kafka_destroy` would touch freed memory).
    private func releaseMainQueue() {
        guard let mainQueue, !mainQueueReleased.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_queue_io_event_enable(mainQueue.pointer, -1, nil, 0)
        rd_kafka_queue_destroy(mainQueue.pointer)
    }

    // MARK: - Producing

    /// Enqueues a record. Waits (on the producer thread) while librdkafka's queue is full.
    /// - Throws: ``KafkaError`` if librdkafka refuses the record (unknown topic, not in a
    ///   transaction, fatal state, record too large, ...).
    /// - Parameter tag: a number of the caller's, returned in ``DeliveryReport/failedTags`` if
    ///   this record fails, so the caller can tell which record the broker refused.
    public func send(_ message: KafkaOutgoingMessage, tag: Int? = nil) async throws(KafkaError) {
        while try !trySend(message, tag: tag) {
            try client.checkUsable()
            let handle = UnsafeSendableHandle(client.handle)
            await client.thread.run { () throws(Never) in _ = rd_kafka_poll(handle.pointer, 100) }
        }
    }

    /// Enqueues `message` unless librdkafka's queue is full: `false` then, and ``send(_:tag:)``
    /// waits for room. The usual case takes no suspension point (the relay sends every record).
    public func trySend(_ message: KafkaOutgoingMessage, tag: Int? = nil) throws(KafkaError) -> Bool {
        try client.checkOpen()
        let result = enqueue(message, tag: tag)
        if result == RD_KAFKA_RESP_ERR_NO_ERROR { return true }
        if result == RD_KAFKA_RESP_ERR__QUEUE_FULL { return false }
        try client.checkUsable()
        throw KafkaError(result, context: "produce to \(message.topic)")
    }

    /// Enqueues without waiting; returns librdkafka's result (e.g. `_QUEUE_FULL`).
    func enqueue(_ message: KafkaOutgoingMessage, tag: Int? = nil) -> rd_kafka_resp_err_t {
        // Numbered before the call: its report may be served on the producer thread before it returns.
        let sequence = ledger.enqueueing(tag: tag)
        var headers: OpaquePointer? = nil
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            // withCString, not the implicit String-to-pointer conversion: that one copies the
            // name into a new array each time.
            for header in message.headers {
                header.name.withCString { name in
                    withOptionalBytes(header.value) { bytes in
                        _ = rd_kafka_header_add(headers, name, -1, bytes.baseAddress, bytes.count)
                    }
                }
            }
        }
        let result = withOptionalBytes(message.key) { key in
            withOptionalBytes(message.value) { value in
                message.topic.withCString { topic in
                    jsd_produce(
                        client.handle, topic, message.partition.rawValue, key.baseAddress, key.count,
                        value.baseAddress, value.count, headers, message.timestampMilliseconds ?? 0,
                        DeliveryTag.opaque(for: sequence))
                }
            }
        }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            ledger.notEnqueued(sequence)
            if let headers { rd_kafka_headers_destroy(headers) }
        }
        return result
    }

    /// Waits until every enqueued record is delivered or failed.
    /// - Throws: ``KafkaError/Code/timedOut`` if records are still outstanding after `timeout`.
    public func flush(timeout: Duration) async throws(KafkaError) {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        try await client.thread.run { () throws(KafkaError) in
            try KafkaError.check(rd_kafka_flush(handle.pointer, timeout.timeoutMilliseconds), context: "flush")
        }
    }

    /// Where the records enqueued so far end: ``waitForDelivery(before:timeout:)`` waits for
    /// them and not for any enqueued after, so a caller can go on producing while it waits for
    /// an earlier part (``flush(timeout:)`` waits for everything, the records enqueued meanwhile
    /// included).
    public var deliveryMark: DeliveryMark {
        DeliveryMark(sequence: ledger.nextSequence)
    }

    /// Waits until every record enqueued before `mark` is delivered or failed (their results
    /// are in ``takeDeliveryReport()``), whatever order librdkafka reports them in.
    /// - Throws: ``KafkaError/Code/timedOut`` if some are still outstanding after `timeout`.
    public func waitForDelivery(before mark: DeliveryMark, timeout: Duration) async throws(KafkaError) {
        let ledger = ledger
        let reported = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await ledger.waitUntilReported(before: mark.sequence)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard reported else {
            throw KafkaError(
                RD_KAFKA_RESP_ERR__TIMED_OUT,
                context: "records before the delivery mark still outstanding after \(timeout)")
        }
    }

    /// Delivery results since the previous call.
    public func takeDeliveryReport() -> DeliveryReport {
        ledger.take()
    }

    /// Records enqueued and not yet delivered or failed.
    public var outstandingCount: Int {
        guard !client.isDestroyed else { return 0 }
        return Int(rd_kafka_outq_len(client.handle))
    }

    /// Fetches the metadata of `topics` into the producer, so the first records produced to
    /// them go to their partitions at once. A producer that learns of a topic from its first
    /// record holds it until a metadata request for that topic returns. One request, for the
    /// topics this producer knows (these among them), on the producer's thread: other calls
    /// there wait for it, for `timeout` at most.
    public func warmUp(topics: [String], timeout: Duration) async throws(KafkaError) {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        try await client.thread.run { () throws(KafkaError) in
            let named = topics.compactMap { rd_kafka_topic_new(handle.pointer, $0, nil) }
            defer { named.forEach { rd_kafka_topic_destroy($0) } }
            var metadata: UnsafePointer<rd_kafka_metadata>? = nil
            try KafkaError.check(
                rd_kafka_metadata(handle.pointer, 0, nil, &metadata, timeout.timeoutMilliseconds),
                context: "metadata of \(topics)")
            if let metadata { rd_kafka_metadata_destroy(metadata) }
        }
    }

    // MARK: - Transactions

    /// Registers `transactional.id` with the coordinator and fences older instances using it.
    /// Call once, before the first transaction. Retriable errors may be retried.
    public func initTransactions(timeout: Duration) async throws(KafkaError) {
        try await transactionCall("init transactions") { handle in
            rd_kafka_init_transactions(handle, timeout.timeoutMilliseconds)
        }
    }

    /// Starts a transaction (local, does not block).
    public func beginTransaction() throws(KafkaError) {
        try client.checkUsable()
        try KafkaError.check(rd_kafka_begin_transaction(client.handle), context: "begin transaction")
    }

    /// Adds consumed offsets (of the next records to read) to the open transaction, so that
    /// they commit or abort with its records (KIP-447 with the consumer's group metadata).
    public func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset], groupMetadata: KafkaGroupMetadata, timeout: Duration
    ) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let metadata = groupMetadata
        try await transactionCall("send offsets to transaction") { handle in
            let list = PartitionList.make(offsets)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return rd_kafka_send_offsets_to_transaction(handle, list, metadata.pointer, timeout.timeoutMilliseconds)
        }
    }

    /// Flushes and commits the open transaction.
    public func commitTransaction(timeout: Duration) async throws(KafkaError) {
        try await transactionCall("commit transaction") { handle in
            rd_kafka_commit_transaction(handle, timeout.timeoutMilliseconds)
        }
    }

    /// Aborts the open transaction; its records are marked aborted and read_committed readers skip them.
    public func abortTransaction(timeout: Duration) async throws(KafkaError) {
        try await transactionCall("abort transaction") { handle in
            rd_kafka_abort_transaction(handle, timeout.timeoutMilliseconds)
        }
    }

    private func transactionCall(
        _ what: String, _ call: @escaping @Sendable (OpaquePointer) -> OpaquePointer?
    ) async throws(KafkaError) {
        try client.checkUsable()
        let handle = UnsafeSendableHandle(client.handle)
        try await client.thread.run { () throws(KafkaError) in
            try KafkaError.check(call(handle.pointer), context: what)
        }
    }

    // MARK: - Closing

    /// Flushes what is outstanding (up to `timeout`), then destroys the client. Idempotent.
    public func close(timeout: Duration = .seconds(10)) async {
        guard !client.isDestroyed else { return }
        if client.context.fatal == nil, outstandingCount > 0 {
            do {
                try await flush(timeout: timeout)
            } catch {
                client.context.logger.warning(
                    "records still undelivered at close", metadata: ["count": "\(outstandingCount)"])
            }
        }
        client.thread.setIdleWork { false }
        releaseMainQueue()
        await client.destroy()
    }
}

/// Calls `body` with the bytes of `array`, or an empty buffer with a nil base address for `nil`.
func withOptionalBytes<R>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    guard let array else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return array.withUnsafeBytes(body)
}

private let kafkaDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        handle, message, _ in
        guard let context = clientContext(of: handle), let message else { return }
        let handler = context.deliveryHandler.withLock { $0 }
        let sequence = DeliveryTag.sequence(of: message.pointee._private)
        if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            handler?.call(nil, sequence)
        } else {
            let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            handler?.call(
                KafkaError(message.pointee.err, context: "delivery to \(topic)[\(message.pointee.partition)]"), sequence
            )
        }
    }
