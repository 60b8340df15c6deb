/// What to do when a record's Kafka key differs from its job_id.
public struct KeyMismatchPolicy: Hashable, Sendable, CustomStringConvertible {
    enum Value: Hashable, Sendable {
        case warn, reject
    }
    let value: Value

    /// Publish anyway (keyed by job_id), count it, log at debug (the default).
    public static let warn = KeyMismatchPolicy(value: .warn)
    /// Dead-letter the record with `key_mismatch`.
    public static let reject = KeyMismatchPolicy(value: .reject)

    /// The setting's value: `warn` or `reject`.
    public var description: String { value == .warn ? "warn" : "reject" }
}
