public import JobStatus
import Kafka

/// What happens to one input record. Every record ends in exactly one of these.
public enum RecordOutcome: Sendable {
    /// Publish the canonical bytes, keyed by job_id.
    case publish(jobID: String, canonicalBytes: [UInt8], state: PublishedState)
    /// A valid event dropped by a dedup rule.
    case drop(DropReason)
    /// An invalid record: goes to the dead-letter topic.
    case deadLetter(InvalidEvent)
    /// A null value on the input: ignored and counted.
    case tombstone

    /// Whether the record goes to the dead-letter topic.
    public var isDeadLetter: Bool {
        if case .deadLetter = self { return true }
        return false
    }
}
