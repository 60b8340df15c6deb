import CRdKafka
import Logging
import Synchronization

/// State shared between a client and librdkafka's callbacks, reached from C
/// through the handle's opaque pointer. It outlives the `rd_kafka_t` (the
/// client destroys the handle before releasing it).
final class ClientContext: Sendable {
    let logger: Logger
    let clientName: String
    private let statisticsHandler: (@Sendable (String) -> Void)?
    private let fatalError = Locked<KafkaError?>(nil)
    private let pendingErrors = Locked<[KafkaError]>([])
    private let warnedAboutApiVersions = Atomic<Bool>(false)

    /// Called on the client thread from the rebalance callback (consumers only).
    let rebalanceHandler = Locked<RebalanceHandler?>(nil)
    /// Whether the group gave this consumer an assignment (a completed SyncGroup) at least once.
    let hasBeenAssigned = Atomic<Bool>(false)
    /// Called from the delivery-report callback (producers only).
    let deliveryHandler = Locked<DeliveryHandler?>(nil)

    init(clientName: String, logger: Logger, statisticsHandler: (@Sendable (String) -> Void)?) {
        var logger = logger
        logger[metadataKey: "kafka.client"] = .string(clientName)
        self.logger = logger
        self.clientName = clientName
        self.statisticsHandler = statisticsHandler
    }

    var hasStatisticsHandler: Bool { statisticsHandler != nil }

    /// The fatal error raised on this client, if any (checked before every operation).
    var fatal: KafkaError? { fatalError.withLock { $0 } }

    /// Errors reported through `error_cb` since the last call (consumers surface them as events).
    func takePendingErrors() -> [KafkaError] {
        pendingErrors.withLock { errors in
            defer { errors.removeAll() }
            return errors
        }
    }

    // MARK: - Callback bodies

    func handleLog(level: Int32, facility: String, message: String) {
        logger.log(level: Self.logLevel(syslog: level), "\(message)", metadata: ["kafka.facility": .string(facility)])
        if message.contains("ApiVersionRequest failed"), message.contains("Read underflow") {
            warnAboutApiVersionsBug()
        }
    }

    func handleError(handle: OpaquePointer?, code: rd_kafka_resp_err_t, reason: String) {
        var error = KafkaError(code, context: "")
        error.message = reason
        if code == RD_KAFKA_RESP_ERR__FATAL, let handle {
            var buffer = [CChar](repeating: 0, count: 512)
            let underlying = rd_kafka_fatal_error(handle, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            error = KafkaError(
                code: KafkaError.Code(underlying), message: "fatal: \(text)", isRetriable: false, isFatal: true)
            fatalError.withLock { $0 = $0 ?? error }
            logger.critical("librdkafka raised a fatal error", metadata: ["error": .string(error.description)])
        } else {
            logger.warning("kafka client error", metadata: ["error": .string(error.description)])
        }
        if reason.contains("ApiVersionRequest failed"), reason.contains("Read underflow") {
            warnAboutApiVersionsBug()
        }
        pendingErrors.withLock { errors in
            if errors.count < 100 { errors.append(error) }
        }
    }

    func handleStatistics(_ json: String) {
        statisticsHandler?(json)
    }

    /// librdkafka before 2.1.2 misreads tagged fields in ApiVersions v3+ responses
    /// (upstream PR #4278); brokers such as tansu always send them.
    private func warnAboutApiVersionsBug() {
        guard !warnedAboutApiVersions.exchange(true, ordering: .relaxed) else { return }
        logger.error(
            """
            cannot talk to the broker: its ApiVersions response has tagged fields that librdkafka \
            \(LibrdkafkaVersion.current) misreads ("Read underflow"); fix: run with librdkafka 2.1.2 or newer
            """)
    }

    private static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }
}

// Closures are wrapped in these concrete structs instead of being a generic argument of
// `Locked` themselves: as `Locked<(KafkaError?) -> Void>`, an optimized build merged the two
// reabstraction thunks between the generic and the concrete form into mutual recursion and
// overflowed the stack on the first delivery report (seen with Swift 6.3.1, -O).
