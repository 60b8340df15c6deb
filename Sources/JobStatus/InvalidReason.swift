/// Why an input record could not become a ``JobStatus``.
///
/// Each reason has a stable, machine-readable ``code`` (snake case). The codes
/// are part of jobstatusd's public contract: they label the
/// `jobstatusd_invalid_total` metric, the `jobstatusd.error.reason` header of a
/// dead letter, and the lines `jobstatusd canonicalize` writes to stderr.
/// New reasons may be added; existing codes never change meaning.
public struct InvalidReason: Hashable, Sendable, CustomStringConvertible {
    /// The stable code, for example `duplicate_member`.
    public let code: String

    private init(_ code: String) {
        self.code = code
    }

    /// The stable ``code``, for example `duplicate_member`.
    public var description: String { code }

    /// The record is not valid UTF-8.
    public static let invalidUTF8 = InvalidReason("invalid_utf8")
    /// The record is not JSON (RFC 8259), or a string in it holds a lone surrogate (I-JSON).
    public static let invalidJSON = InvalidReason("invalid_json")
    /// The record is JSON, but its top-level value is not an object.
    public static let notObject = InvalidReason("not_object")
    /// An object has two members with the same name (forbidden by I-JSON, RFC 7493).
    public static let duplicateMember = InvalidReason("duplicate_member")
    /// `job_id`, `status` or `status_msg` is absent.
    public static let missingMember = InvalidReason("missing_member")
    /// `job_id`, `status` or `status_msg` is present but not a string.
    public static let memberNotString = InvalidReason("member_not_string")
    /// `job_id` is the empty string.
    public static let emptyJobID = InvalidReason("empty_job_id")
    /// `job_id` is longer than ``DecodingLimits/maxJobIDBytes`` UTF-8 bytes.
    public static let jobIDTooLong = InvalidReason("job_id_too_long")
    /// `status` is not one of qiskit's seven names and unknown statuses are rejected.
    public static let unknownStatus = InvalidReason("unknown_status")
    /// A number RFC 8785 cannot carry exactly: `NaN`/`Infinity` literals, an
    /// integer literal outside +/-(2^53 - 1), or a value that overflows a double.
    public static let unrepresentableNumber = InvalidReason("unrepresentable_number")
    /// Arrays and objects nest deeper than ``DecodingLimits/maxDepth``.
    public static let tooDeep = InvalidReason("too_deep")
    /// The record is larger than ``DecodingLimits/maxRecordBytes``.
    public static let tooLarge = InvalidReason("too_large")
    /// The Kafka key is present and differs from `job_id` (checked by the relay
    /// when `key-mismatch` is `reject`).
    public static let keyMismatch = InvalidReason("key_mismatch")
    /// The record is valid, but its canonical form could not be published: librdkafka or the
    /// broker refused it for good (for example larger than `message.max.bytes`; canonical
    /// bytes can be longer than the input, `1e20` becomes 21 digits). Set by the relay.
    public static let outputRejected = InvalidReason("output_rejected")
    /// `dedup.ordering` is `field` and the event lacks the ordering member (set by the relay
    /// when `dedup.order-missing` is `dead-letter`).
    public static let missingOrderField = InvalidReason("missing_order_field")
    /// `dedup.ordering` is `field` and the ordering member is not of `dedup.order-type` (an
    /// integer, or an ISO 8601 timestamp or epoch seconds); set by the relay as above.
    public static let invalidOrderField = InvalidReason("invalid_order_field")

    /// Every reason, in a stable order (for metrics that want a zero per label).
    public static let all: [InvalidReason] = [
        .invalidUTF8, .invalidJSON, .notObject, .duplicateMember, .missingMember, .memberNotString,
        .emptyJobID, .jobIDTooLong, .unknownStatus, .unrepresentableNumber, .tooDeep, .tooLarge,
        .keyMismatch, .outputRejected, .missingOrderField, .invalidOrderField,
    ]
}
