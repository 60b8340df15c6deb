import CRdKafka
import Synchronization

/// One `rd_kafka_t` with its callback context and its thread. Destroyed
/// exactly once: by ``destroy()`` on its own thread, or as a fallback when the
/// last reference goes away.
final class KafkaClient: @unchecked Sendable {
    // @unchecked: `handle` is an immutable pointer to a librdkafka handle, whose
    // API is thread-safe; destruction is guarded by `destroyed`.
    let handle: OpaquePointer
    let context: ClientContext
    let thread: ClientThread
    private let destroyed = Atomic<Bool>(false)

    /// Creates the handle.
    /// - Parameters:
    ///   - type: producer or consumer.
    ///   - configure: sets type-specific callbacks on the `rd_kafka_conf_t` before the handle exists.
    init(
        type: rd_kafka_type_t, configuration: KafkaConfiguration, context: ClientContext,
        threadWatchesEvents: Bool, configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let conf = try configuration.scoped(to: type).makeNative()
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        if context.hasStatisticsHandler { rd_kafka_conf_set_stats_cb(conf, kafkaStatisticsCallback) }
        configure(conf)
        var reason = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &reason, reason.count) else {
            rd_kafka_conf_destroy(conf)
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError.invalidArgument("cannot create the Kafka client: \(text)")
        }
        self.handle = handle
        self.context = context
        self.thread = ClientThread(name: context.clientName, watchesEventsWhenIdle: threadWatchesEvents)
    }

    deinit {
        if !destroyed.exchange(true, ordering: .acquiringAndReleasing) {
            rd_kafka_destroy(handle)
        }
        thread.stop()
    }

    /// Whether ``destroy()`` has run.
    var isDestroyed: Bool { destroyed.load(ordering: .acquiring) }

    /// Destroys the handle on the client thread (it blocks until librdkafka's threads exit), then stops the thread.
    func destroy() async {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let handle = UnsafeSendableHandle(handle)
        await thread.run(topLevelOnly: true) { () throws(Never) in
            rd_kafka_destroy(handle.pointer)
        }
        thread.stop()
    }

    /// Gives the handle up without destroying it (a librdkafka bug would abort the process;
    /// see ``KafkaConsumer/close()``): it stays allocated until the process exits.
    func abandon() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // librdkafka's threads live on and call back with the context as their opaque: it must
        // outlive them, so it is never released.
        _ = Unmanaged.passRetained(context)
        thread.stop()
    }

    /// Throws if the client is closed (its handle is gone: a call would use freed memory, or
    /// wait forever for a thread that has ended), or librdkafka raised a fatal error.
    func checkUsable() throws(KafkaError) {
        try checkOpen()
        if let fatal = context.fatal { throw fatal }
    }

    /// Throws if the client is closed: one atomic load, cheap enough for every record.
    func checkOpen() throws(KafkaError) {
        if isDestroyed { throw Self.closed(context.clientName) }
    }

    static func closed(_ name: String) -> KafkaError {
        .invalidArgument("\(name) is closed: a closed client takes no more calls")
    }

    /// The handle's name as librdkafka reports it (e.g. `rdkafka#consumer-1`).
    var name: String { String(cString: rd_kafka_name(handle)) }
}

// MARK: - C callbacks (no captures: the context comes from the handle's opaque pointer)

func clientContext(of handle: OpaquePointer?) -> ClientContext? {
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
    return Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
}

private let kafkaLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        handle, level, facility, message in
        guard let context = clientContext(of: handle) else { return }
        context.handleLog(
            level: level, facility: facility.map { String(cString: $0) } ?? "",
            message: message.map { String(cString: $0) } ?? "")
    }

private let kafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        handle, code, reason, _ in
        guard let context = clientContext(of: handle) else { return }
        context.handleError(
            handle: handle, code: rd_kafka_resp_err_t(rawValue: code), reason: reason.map { String(cString: $0) } ?? "")
    }

private let kafkaStatisticsCallback:
    @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        handle, json, length, _ in
        guard let context = clientContext(of: handle), let json else { return 0 }
        let text = json.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
        }
        context.handleStatistics(text)
        return 0  // librdkafka frees the JSON
    }
