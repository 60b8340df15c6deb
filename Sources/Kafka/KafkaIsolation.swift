/// Which records a consumer sees (`isolation.level`).
public enum KafkaIsolation: String, Sendable {
    /// Committed records only: a read ends at the last stable offset, before the first record of
    /// a transaction still open, and skips aborted records on brokers that mark them (KIP-98).
    case readCommitted = "read_committed"
    /// Every record written, of open and aborted transactions too.
    case readUncommitted = "read_uncommitted"
}
