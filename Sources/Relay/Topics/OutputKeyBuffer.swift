/// The output record's key (its job_id's UTF-8 bytes), rewritten in place for each published
/// record: no allocation per record in the steady state. In place because the relay lets go
/// of a record once librdkafka has copied its key; a record held meanwhile (a transaction
/// judged during the commit before it) keeps its key, and the next call then copies.
///
/// One per relay loop, on its per-record path, beside ``SourceHeaders``.
public struct OutputKeyBuffer: Sendable {
    private var bytes: [UInt8] = []

    /// An empty buffer.
    public init() {}

    /// The key of `jobID`'s output records.
    public mutating func key(of jobID: String) -> [UInt8] {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: jobID.utf8)
        return bytes
    }
}
