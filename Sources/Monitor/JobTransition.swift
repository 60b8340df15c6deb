/// One change the monitor has seen in the output topic: a job's new latest record, or the job
/// leaving the topic (a tombstone: an operator's removal, or `output.finished-retention`).
public struct JobTransition: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// The job's new status (the full record is the job's latest while it is current).
        case status(String, message: String, backend: String?)
        /// The job left the topic.
        case removed
    }

    /// Increasing over the monitor's run: the server-sent event id, for `Last-Event-ID`.
    public let sequence: UInt64
    public let jobID: String
    public let change: Change
    /// The record's timestamp (milliseconds since the epoch).
    public let at: Int64
}
