import CRdKafka

/// An error from librdkafka or from this wrapper, with the classes that
/// decide what a caller does next (DESIGN.md section 3):
///
/// - ``isRetriable``: try the same call again;
/// - ``requiresAbort``: abort the open transaction, rewind, go on;
/// - ``isFatal``: the client is unusable (a fenced producer included): stop
///   and let the service manager restart the process.
public struct KafkaError: Error, Hashable, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t`, as a value type with named statics.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The raw `rd_kafka_resp_err_t` value (negative codes are librdkafka-local).
        public let rawValue: Int32

        /// The code for a raw `rd_kafka_resp_err_t` value.
        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        init(_ error: rd_kafka_resp_err_t) {
            self.rawValue = error.rawValue
        }

        var native: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

        /// librdkafka's symbolic name without the `RD_KAFKA_RESP_ERR_` prefix, e.g. `_TIMED_OUT`.
        public var name: String { String(cString: rd_kafka_err2name(native)) }

        /// The symbolic ``name``.
        public var description: String { name }

        /// `NO_ERROR`: success; in metadata, a topic or partition without an error.
        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        /// `_TIMED_OUT`: a local timeout, also this wrapper's code for a call that ran out of time.
        /// Retriable by default.
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// `_QUEUE_FULL`: librdkafka's producer queue is full (`queue.buffering.max.messages`).
        /// Retriable by default.
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        /// `_TRANSPORT`: a broker connection failed. Retriable by default.
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        /// `_ALL_BROKERS_DOWN`: no broker of the cluster is reachable. Retriable by default.
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        /// `_FATAL`: the client raised a fatal error; the client is unusable. Fatal by default.
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// `_FENCED`: librdkafka's own code for a producer that a newer instance with the same
        /// `transactional.id` fenced. Fatal by default; see ``KafkaError/isFenced``.
        public static let fenced = Code(RD_KAFKA_RESP_ERR__FENCED)
        /// `PRODUCER_FENCED`: the broker fenced the producer (a newer instance has its
        /// `transactional.id`). Fatal by default; see ``KafkaError/isFenced``.
        public static let producerFenced = Code(RD_KAFKA_RESP_ERR_PRODUCER_FENCED)
        /// Another consumer joined the group with this one's `group.instance.id` (KIP-345).
        public static let fencedInstanceID = Code(RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID)
        /// `INVALID_PRODUCER_EPOCH`: the producer's epoch is stale, which also means it was fenced
        /// (see ``KafkaError/isFenced``).
        public static let invalidProducerEpoch = Code(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
        /// `_STATE`: the call is not allowed in the client's current state (for example a transactional
        /// call with no transaction open).
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        /// `_INVALID_ARG`: a bad argument or configuration; also this wrapper's code for misuse and for
        /// properties librdkafka rejects.
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        /// `UNKNOWN_TOPIC_OR_PART`: the broker does not host this topic or partition.
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// `_UNKNOWN_TOPIC`: the topic is not in the cluster's metadata.
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        /// `TOPIC_ALREADY_EXISTS`: a CreateTopics request named a topic that exists.
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        /// `NOT_LEADER_FOR_PARTITION`: the broker no longer leads the partition (leadership moved).
        /// Retriable by default.
        public static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        /// `NOT_COORDINATOR`: the broker is not the group or transaction coordinator (it moved).
        /// Retriable by default.
        public static let notCoordinator = Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        /// `COORDINATOR_NOT_AVAILABLE`: the coordinator is not available yet. Retriable by default.
        public static let coordinatorNotAvailable = Code(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        /// `CONCURRENT_TRANSACTIONS`: the coordinator is still completing this producer's previous
        /// transaction. Retriable by default.
        public static let concurrentTransactions = Code(RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS)
        /// `INVALID_TXN_STATE`: the transactional request does not fit the transaction's state.
        public static let invalidTransactionState = Code(RD_KAFKA_RESP_ERR_INVALID_TXN_STATE)
        /// `OUT_OF_ORDER_SEQUENCE_NUMBER`: the broker received an idempotent producer's records out of
        /// sequence.
        public static let outOfOrderSequence = Code(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER)
        /// `REQUEST_TIMED_OUT`: the broker timed out the request. Retriable by default.
        public static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        /// `POLICY_VIOLATION`: the broker's policy refused the request (for example a topic's settings
        /// in CreateTopics).
        public static let policyViolation = Code(RD_KAFKA_RESP_ERR_POLICY_VIOLATION)
        /// `_PARTITION_EOF`: the consumer reached the end of a partition (with
        /// `enable.partition.eof=true`).
        public static let partitionEOF = Code(RD_KAFKA_RESP_ERR__PARTITION_EOF)
        /// `_DESTROY`: the client is being destroyed.
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// `_ASSIGNMENT_LOST`: the consumer lost its assignment (for example its session timed out); its
        /// offsets can no longer be committed.
        public static let assignmentLost = Code(RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST)
        /// `UNKNOWN_MEMBER_ID`: the group coordinator does not know this member (it was removed from
        /// the group).
        public static let unknownMemberID = Code(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
        /// `ILLEGAL_GENERATION`: the member's group generation is stale (the group rebalanced).
        public static let illegalGeneration = Code(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)
        /// `REBALANCE_IN_PROGRESS`: the group is rebalancing. Retriable by default.
        public static let rebalanceInProgress = Code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
        /// `_UNSUPPORTED_FEATURE`: the broker does not support the request (or a version of it).
        public static let unsupportedFeature = Code(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE)
        /// `_UNDERFLOW`: a response was shorter than its format says (a malformed reply).
        public static let readUnderflow = Code(RD_KAFKA_RESP_ERR__UNDERFLOW)
        /// `TOPIC_AUTHORIZATION_FAILED`: the principal may not use the topic (ACLs).
        public static let topicAuthorizationFailed = Code(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        /// `GROUP_AUTHORIZATION_FAILED`: the principal may not use the consumer group (ACLs).
        public static let groupAuthorizationFailed = Code(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
        /// `MSG_SIZE_TOO_LARGE`: the record is larger than the broker or topic accepts (for example
        /// `message.max.bytes`). A record rejection (``KafkaError/isRecordRejection``).
        public static let messageSizeTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        /// `RECORD_LIST_TOO_LARGE`: the batch of records is larger than the broker accepts. A record
        /// rejection (``KafkaError/isRecordRejection``).
        public static let recordListTooLarge = Code(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE)
        /// `INVALID_RECORD`: the broker refused the record as invalid (for example a null key on a
        /// compacted topic). A record rejection (``KafkaError/isRecordRejection``).
        public static let invalidRecord = Code(RD_KAFKA_RESP_ERR_INVALID_RECORD)
        /// `_CONFLICT`: another call of the same kind is still in progress on this client; retrying
        /// cannot help until it ends.
        public static let conflict = Code(RD_KAFKA_RESP_ERR__CONFLICT)
    }

    /// The error code.
    public var code: Code
    /// What happened, from librdkafka's error string plus our context.
    public var message: String
    /// The same call may succeed if tried again.
    public var isRetriable: Bool
    /// The open transaction must be aborted (`rd_kafka_error_txn_requires_abort`).
    public var requiresAbort: Bool
    /// The client can do nothing more; the process should exit non-zero.
    public var isFatal: Bool

    /// Creates an error; the classes default to what librdkafka says of the code.
    public init(
        code: Code, message: String, isRetriable: Bool? = nil, requiresAbort: Bool = false, isFatal: Bool? = nil
    ) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? Self.retriableCodes.contains(code)
        self.requiresAbort = requiresAbort
        self.isFatal = isFatal ?? Self.fatalCodes.contains(code)
    }

    /// The record itself was refused, for good (too large, invalid): sending it again cannot
    /// succeed, while other records can. Such a record belongs in a dead-letter topic.
    public var isRecordRejection: Bool {
        Self.recordRejectionCodes.contains(code)
    }

    /// The producer was fenced: another instance with the same `transactional.id` took over.
    public var isFenced: Bool {
        code == .fenced || code == .producerFenced || code == .invalidProducerEpoch
    }

    /// `NAME: message`, followed by the classes that are set, e.g. `_TIMED_OUT: commit: ... [retriable]`.
    public var description: String {
        var classes: [String] = []
        if isFatal { classes.append("fatal") }
        if requiresAbort { classes.append("requires abort") }
        if isRetriable { classes.append("retriable") }
        let suffix = classes.isEmpty ? "" : " [" + classes.joined(separator: ", ") + "]"
        return "\(code.name): \(message)\(suffix)"
    }

    private static let retriableCodes: Set<Code> = [
        .timedOut, .queueFull, .transport, .allBrokersDown, .notLeaderForPartition, .notCoordinator,
        .coordinatorNotAvailable, .concurrentTransactions, .requestTimedOut, .rebalanceInProgress,
    ]
    private static let fatalCodes: Set<Code> = [.fatal, .fenced, .producerFenced]
    private static let recordRejectionCodes: Set<Code> = [
        .messageSizeTooLarge, .recordListTooLarge, .invalidRecord,
    ]
}

// MARK: - From librdkafka

extension KafkaError {
    /// Wraps an `rd_kafka_resp_err_t` with librdkafka's description, prefixed by `context`.
    init(_ error: rd_kafka_resp_err_t, context: String) {
        let code = Code(error)
        let text = String(cString: rd_kafka_err2str(error))
        self.init(code: code, message: context.isEmpty ? text : "\(context): \(text)")
    }

    /// Takes ownership of an `rd_kafka_error_t` (destroying it) and keeps its classes.
    init(taking error: OpaquePointer, context: String) {
        defer { rd_kafka_error_destroy(error) }
        let code = Code(rd_kafka_error_code(error))
        let text = rd_kafka_error_string(error).map { String(cString: $0) } ?? code.name
        self.init(
            code: code, message: context.isEmpty ? text : "\(context): \(text)",
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            requiresAbort: rd_kafka_error_txn_requires_abort(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0)
    }

    /// Throws if `error` is set, consuming it.
    static func check(_ error: OpaquePointer?, context: String) throws(KafkaError) {
        if let error { throw KafkaError(taking: error, context: context) }
    }

    /// Throws unless `error` is `RD_KAFKA_RESP_ERR_NO_ERROR`.
    static func check(_ error: rd_kafka_resp_err_t, context: String) throws(KafkaError) {
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, context: context) }
    }

    /// A configuration or usage error of this wrapper.
    static func invalidArgument(_ message: String) -> KafkaError {
        KafkaError(code: .invalidArgument, message: message, isRetriable: false, isFatal: false)
    }
}
