import CRdKafka
import Logging

/// The consumer's state that lives on its client thread: the fetch loop, the
/// rebalance hand-off, and the record conversion.
///
/// Everything here runs on `ClientThread` (jobs and librdkafka callbacks it
/// serves), so it needs no locks; `@unchecked Sendable` records that
/// confinement, which the thread enforces.
final class ConsumerEngine: @unchecked Sendable {
    private let client: KafkaClient
    private var queue: OpaquePointer?
    private let buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private let capacity: Int
    /// Which poll gets what, and when a rebalance is applied: the engine performs its actions.
    private var machine = ConsumerHandoffStateMachine()
    private var topicNames: [OpaquePointer: String] = [:]
    private var lastTopic: (handle: OpaquePointer, name: String)?
    /// Header names seen, made Strings once: records of one producer repeat the same few names.
    private var headerNames: [(bytes: [UInt8], name: String)] = []
    /// Beyond this many distinct names, new ones are made per record (a producer that makes up
    /// names must not grow the cache).
    private static let headerNamesKept = 32

    init(client: KafkaClient, capacity: Int) {
        self.client = client
        self.capacity = capacity
        self.buffer = .allocate(capacity: capacity)
        // Route the main queue (errors, statistics, rebalances) into the consumer queue,
        // and have librdkafka write to our pipe when that queue gets work.
        rd_kafka_poll_set_consumer(client.handle)
        let queue = rd_kafka_queue_get_consumer(client.handle)
        if let queue {
            var payload: UInt8 = 1
            rd_kafka_queue_io_event_enable(queue, client.thread.eventDescriptor, &payload, 1)
        }
        self.queue = queue
    }

    /// Frees what the engine owns; called when the consumer goes away.
    func release() {
        let queue = self.queue
        self.queue = nil
        if let queue {
            rd_kafka_queue_io_event_enable(queue, -1, nil, 0)
            rd_kafka_queue_destroy(queue)
        }
        buffer.deallocate()
    }

    /// Drops the consumer queue reference (before the handle is destroyed).
    func releaseQueue() {
        guard let queue else { return }
        rd_kafka_queue_io_event_enable(queue, -1, nil, 0)
        rd_kafka_queue_destroy(queue)
        self.queue = nil
    }

    func beginClosing() {
        perform(machine.closeStarted())
    }

    /// A manual assignment replaces the old one and its positions: records and partition-end
    /// events already handed out of librdkafka for it are stale (an old end would end the next
    /// read before it read anything).
    func setAssigned(_ partitions: [TopicPartition]) {
        client.thread.submit(
            ClientThread.Job(body: { [self] in machine.assignmentReplaced(by: partitions) }))
    }

    /// Forgets records of these partitions already handed out of librdkafka but not yet returned.
    func discardBuffered(for partitions: Set<TopicPartition>) {
        client.thread.submit(
            ClientThread.Job(body: { [self] in machine.positionsMoved(partitions) }))
    }

    // MARK: - Fetching (on the client thread)

    /// Serves one poll until it is answered, or handed over by a rebalance to the caller's next
    /// poll, which this loop then serves (see ``ConsumerHandoffStateMachine``).
    func runFetch(_ request: FetchRequest) {
        machine.pollArrived(request)
        while machine.isServingPoll {
            perform(
                machine.nextStep(
                    errors: client.context.takePendingErrors(), fatal: client.context.fatal,
                    isStopping: client.thread.isStopping))
        }
    }

    private func perform(_ action: ConsumerHandoffStateMachine.FetchAction) {
        switch action {
        case .none:
            break
        case .complete(let request, let event):
            request.complete(event)
        case .consume(let maxMessages):
            guard let queue else {
                perform(machine.consumeFailed(.invalidArgument("the consumer is closed")))
                return
            }
            client.thread.drainEvents()
            let count = rd_kafka_consume_batch_queue(queue, 0, buffer, min(maxMessages, capacity))
            if count > 0 {
                let (records, events) = collect(count)
                perform(machine.consumed(records, events: events))
            } else if count < 0 {
                perform(machine.consumeFailed(KafkaError(rd_kafka_last_error(), context: "consume")))
            } else {
                perform(machine.consumedNothing())
            }
        case .waitForRecords(let request):
            let remaining = request.remainingMilliseconds
            if remaining == 0 || client.thread.hasPendingJobs {
                perform(machine.pollTimedOut())
            } else {
                client.thread.wait(watchingEvents: true, timeoutMilliseconds: remaining)
            }
        }
    }

    /// Converts and destroys `count` messages: the records, and the partition ends and errors
    /// among them. Keys and values are copied into one buffer the batch's records share.
    private func collect(_ count: Int) -> (records: [KafkaMessage], events: [KafkaConsumerEvent]) {
        let storage = copyKeysAndValues(count)
        var messages: [KafkaMessage] = []
        var events: [KafkaConsumerEvent] = []
        messages.reserveCapacity(count)
        var position = 0
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            defer { rd_kafka_message_destroy(message) }
            if message.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                events.append(.endOfPartition(endOfPartition(message)))
                continue
            }
            if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                events.append(.error(consumerError(message)))
                continue
            }
            messages.append(makeMessage(message, storage: storage, position: &position))
        }
        return (messages, events)
    }

    /// The keys and values of the batch's records, one after another, in one allocation
    /// (laid out by ``slots(of:at:)``, as ``makeMessage(_:storage:position:)`` reads them).
    private func copyKeysAndValues(_ count: Int) -> [UInt8] {
        var total = 0
        for index in 0..<count {
            guard let message = buffer[index], message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            total = Self.slots(of: message.pointee, at: total).end
        }
        return [UInt8](unsafeUninitializedCapacity: total) { bytes, initialized in
            for index in 0..<count {
                guard let message = buffer[index], message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                let slots = Self.slots(of: message.pointee, at: initialized)
                Self.copy(message.pointee.key, into: bytes, slots.key)
                Self.copy(message.pointee.payload, into: bytes, slots.value)
                initialized = slots.end
            }
        }
    }

    /// Where a record's key and then its value go in the batch's shared bytes, from `position`.
    private static func slots(
        of raw: rd_kafka_message_t, at position: Int
    ) -> (key: Range<Int>?, value: Range<Int>?, end: Int) {
        let key = raw.key.map { _ in position..<(position + raw.key_len) }
        let valueStart = key?.upperBound ?? position
        let value = raw.payload.map { _ in valueStart..<(valueStart + raw.len) }
        return (key, value, value?.upperBound ?? valueStart)
    }

    private static func copy(
        _ source: UnsafeMutableRawPointer?, into bytes: UnsafeMutableBufferPointer<UInt8>, _ slot: Range<Int>?
    ) {
        guard let source, let slot, !slot.isEmpty, let base = bytes.baseAddress else { return }
        (base + slot.lowerBound).update(from: source.assumingMemoryBound(to: UInt8.self), count: slot.count)
    }

    /// Where a partition-EOF event says the partition ends (`enable.partition.eof=true`).
    private func endOfPartition(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> TopicPartitionOffset {
        let topic = message.pointee.rkt.map { topicName($0) } ?? ""
        return TopicPartitionOffset(
            TopicPartition(topic, KafkaPartition(rawValue: message.pointee.partition)),
            KafkaOffset(rawValue: message.pointee.offset))
    }

    private func consumerError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaError {
        let topic = message.pointee.rkt.map { topicName($0) } ?? ""
        var text = "consumer error on \(topic)[\(message.pointee.partition)]"
        if let payload = message.pointee.payload, message.pointee.len > 0 {
            let bytes = UnsafeRawBufferPointer(start: payload, count: message.pointee.len)
            text += ": " + String(decoding: bytes, as: UTF8.self)
        }
        return KafkaError(message.pointee.err, context: text)
    }

    /// The topic's name, cached per handle; the last one is checked first (a batch is mostly one topic).
    private func topicName(_ topic: OpaquePointer) -> String {
        if let last = lastTopic, last.handle == topic { return last.name }
        let name = topicNames[topic] ?? String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        lastTopic = (topic, name)
        return name
    }

    /// The record at `position` of the batch's shared bytes (its key, then its value); advances it.
    private func makeMessage(
        _ message: UnsafeMutablePointer<rd_kafka_message_t>, storage: [UInt8], position: inout Int
    ) -> KafkaMessage {
        let raw = message.pointee
        let topic = raw.rkt.map { topicName($0) } ?? ""
        let slots = Self.slots(of: raw, at: position)
        position = slots.end
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaMessage(
            topicPartition: TopicPartition(topic, KafkaPartition(rawValue: raw.partition)),
            offset: KafkaOffset(rawValue: raw.offset),
            storage: storage, keyRange: slots.key, valueRange: slots.value, headers: headers(of: message),
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    private func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer? = nil
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        // Sized once: grown by appends, three headers (the output's source headers) took three
        // buffers and freed two, a tenth of the restore's CPU (issue 26's profile).
        var result: [KafkaHeader] = []
        result.reserveCapacity(rd_kafka_header_cnt(headers))
        var index = 0
        var name: UnsafePointer<CChar>? = nil
        var value: UnsafeRawPointer? = nil
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(name: name.map(headerName) ?? "", value: bytes))
            index += 1
        }
        return result
    }

    /// The header name as a String, made once per distinct name while the cache has room.
    private func headerName(_ name: UnsafePointer<CChar>) -> String {
        var length = 0
        while name[length] != 0 { length += 1 }
        let bytes = UnsafeRawBufferPointer(start: name, count: length)
        for cached in headerNames where cached.bytes.count == bytes.count {
            if cached.bytes.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return cached.name }
        }
        let made = String(decoding: bytes, as: UTF8.self)
        if headerNames.count < Self.headerNamesKept { headerNames.append((Array(bytes), made)) }
        return made
    }

    // MARK: - Rebalance (librdkafka callback, on the client thread)

    /// Hands the rebalance to the waiting caller, serves its jobs until it polls again, then applies it.
    func handleRebalance(code: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?)
    {
        let kind: KafkaRebalance.Kind
        var isError = false
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: kind = .assign
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: kind = rd_kafka_assignment_lost(client.handle) != 0 ? .lost : .revoke
        default:
            client.context.logger.error(
                "rebalance error", metadata: ["error": "\(KafkaError(code, context: "rebalance"))"])
            kind = .lost
            isError = true
        }
        let event = KafkaRebalance(
            kind: kind, partitions: PartitionList.offsets(partitions).map(\.topicPartition),
            isCooperative: rebalanceIsCooperative)
        client.context.logger.info("rebalance", metadata: ["rebalance": "\(event)"])
        switch machine.rebalanceArrived(event, isError: isError) {
        case .handOver(let request, let rebalance):
            request.complete(.rebalance(rebalance))
            // The caller finishes its work for this change (commit, restore), then polls again.
            let next = client.thread.serve { $0.payload is FetchRequest }
            apply(machine.handedOver(to: next?.payload as? FetchRequest), partitions)
        case .apply(let change):
            apply(change, partitions)
        }
    }

    private var rebalanceIsCooperative: Bool {
        guard let name = rd_kafka_rebalance_protocol(client.handle) else { return false }
        return String(cString: name) == "COOPERATIVE"
    }

    private func apply(
        _ change: ConsumerHandoffStateMachine.AssignmentChange,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        var failure: KafkaError? = nil
        switch change {
        case .assign:
            let error = rd_kafka_assign(client.handle, partitions)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR { failure = KafkaError(error, context: "assign") }
        case .incrementalAssign:
            if let error = rd_kafka_incremental_assign(client.handle, partitions) {
                failure = KafkaError(taking: error, context: "incremental assign")
            }
        case .incrementalUnassign:
            if let error = rd_kafka_incremental_unassign(client.handle, partitions) {
                failure = KafkaError(taking: error, context: "incremental unassign")
            }
        case .unassignAll:
            let error = rd_kafka_assign(client.handle, nil)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR { failure = KafkaError(error, context: "unassign") }
        }
        if let failure {
            client.context.logger.error("cannot apply rebalance", metadata: ["error": "\(failure)"])
            machine.applyFailed(failure)
        }
    }
}
