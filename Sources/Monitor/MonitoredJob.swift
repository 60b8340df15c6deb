import JobStatus

/// A job's latest record in the compacted output topic, as the monitor shows it.
public struct MonitoredJob: Sendable, Equatable {
    /// The record's key: the job_id.
    public let jobID: String
    /// The record's value as read: the canonical `toDict` JSON (docs/CONTRACT.md).
    public let record: [UInt8]
    /// The status name, or ``undecodable`` when the value does not decode as a job status.
    public let status: String
    /// Whether the value decoded as a job status (then it is valid JSON as it stands).
    public let isDecodable: Bool
    /// `status_msg`, or why the value did not decode.
    public let statusMessage: String
    /// The `backend` extra field, when the record has one and it is a string.
    public let backend: String?
    /// The record's timestamp (milliseconds since the epoch): when the relay published it.
    public let changedAt: Int64
    /// The monitor's sequence number of this change: newer changes have larger numbers.
    public let sequence: UInt64

    /// Decodes `record` leniently (unknown statuses pass): the monitor shows what is there.
    init(jobID: String, record: [UInt8], changedAt: Int64, sequence: UInt64) {
        self.jobID = jobID
        self.record = record
        self.changedAt = changedAt
        self.sequence = sequence
        do {
            let decoded = try JobStatus.decode(record, options: DecodingOptions(unknownStatus: .pass))
            status = decoded.status.name
            statusMessage = decoded.statusMessage
            backend = decoded.extras["backend"]?.stringValue
            isDecodable = true
        } catch {
            status = Self.undecodable
            statusMessage = error.message
            backend = nil
            isDecodable = false
        }
    }

    /// The status shown for a value that does not decode as a job status: lower case, which no
    /// decoded status is (they are upper-cased).
    public static let undecodable = "(undecodable)"
}
