import JobStatus

/// A job's latest record in the compacted output topic, as the monitor shows it.
///
/// Built for a million of them: the record is kept as read, the status and `backend` are read
/// from it by ``CanonicalStatusScanner`` when it is in the plain canonical shape (the records the
/// relay writes), and `status_msg` is kept as where it lies in the record, made a `String` only
/// when asked for. Anything else is decoded in full.
public struct MonitoredJob: Sendable, Equatable {
    /// The record's key: the job_id.
    public let jobID: String
    /// The record's value as read: the canonical `toDict` JSON (docs/CONTRACT.md).
    public let record: [UInt8]
    /// The status name, or ``undecodable`` when the value does not decode as a job status.
    public let status: String
    /// The `backend` extra field, when the record has one and it is a string.
    public let backend: String?
    /// The record's timestamp (milliseconds since the epoch): when the relay published it.
    public let changedAt: Int64
    /// The monitor's sequence number of this change: newer changes have larger numbers.
    public let sequence: UInt64
    private let message: Message

    /// Where `status_msg` comes from.
    private enum Message: Sendable, Equatable {
        /// The record's bytes in this range, as they are (no escapes).
        case span(start: Int32, end: Int32)
        /// Decoded in full.
        case decoded(String)
        /// The value does not decode: why.
        case invalid(String)
    }

    /// Whether the value decoded as a job status (then it is valid JSON as it stands).
    public var isDecodable: Bool {
        if case .invalid = message { false } else { true }
    }

    /// `status_msg`, or why the value did not decode.
    public var statusMessage: String {
        switch message {
        case .span(let start, let end):
            record.withUnsafeBytes {
                String(decoding: UnsafeRawBufferPointer(rebasing: $0[Int(start)..<Int(end)]), as: UTF8.self)
            }
        case .decoded(let text), .invalid(let text):
            text
        }
    }

    /// Reads `record` leniently (unknown statuses pass, no size limits: it was published under
    /// limits of its own, as the restore reads it): the monitor shows what is there.
    init(jobID: String, record: [UInt8], changedAt: Int64, sequence: UInt64) {
        self.jobID = jobID
        self.record = record
        self.changedAt = changedAt
        self.sequence = sequence
        if let overview = CanonicalStatusScanner.overview(ofCanonical: record, extra: "backend"),
            let start = Int32(exactly: overview.statusMessage.lowerBound),
            let end = Int32(exactly: overview.statusMessage.upperBound)
        {
            status = overview.status.name
            message = .span(start: start, end: end)
            backend = overview.extra.map { range in
                record.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[range]), as: UTF8.self) }
            }
            return
        }
        do {
            let decoded = try JobStatus.decode(record, options: .restore)
            status = decoded.status.name
            message = .decoded(decoded.statusMessage)
            backend = decoded.extras["backend"]?.stringValue
        } catch {
            status = Self.undecodable
            message = .invalid(error.message)
            backend = nil
        }
    }

    /// The status shown for a value that does not decode as a job status: lower case, which no
    /// decoded status is (they are upper-cased).
    public static let undecodable = "(undecodable)"
}
