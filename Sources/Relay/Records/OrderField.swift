public import JobStatus

/// `dedup.ordering: field`: the member of an event that carries the producer's clock, so that
/// events reordered before they reach Kafka (several producers, retries, other partitions
/// upstream) are judged by when they happened, not by when they arrived.
///
/// The value is read from the event's extra members along a dotted ``path`` (`meta.sequence`
/// reads `{"meta": {"sequence": 7}}`; a member whose name contains a dot cannot be named) and
/// kept as one `Int64`: the integer itself, or microseconds since the epoch for a timestamp
/// (``EventTimestamp``).
public struct OrderField: Hashable, Sendable, CustomStringConvertible {
    /// How the member's value is read.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable {
            case integer, timestamp
        }
        let value: Value

        /// A JSON integer: a sequence number the producer increments (`dedup.order-type: integer`).
        public static let integer = Kind(value: .integer)
        /// An ISO 8601 string or epoch seconds (`dedup.order-type: timestamp`).
        public static let timestamp = Kind(value: .timestamp)

        /// The setting's value: `integer` or `timestamp`.
        public var description: String { value == .integer ? "integer" : "timestamp" }
    }

    /// What happens to an event without a readable value (`dedup.order-missing`).
    public struct MissingPolicy: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable {
            case deadLetter, arrival
        }
        let value: Value

        /// Dead-letter it with `missing_order_field` or `invalid_order_field` (the default).
        public static let deadLetter = MissingPolicy(value: .deadLetter)
        /// Judge it by the lifecycle rules alone, in arrival order, as `dedup.ordering: lifecycle` would.
        public static let arrival = MissingPolicy(value: .arrival)

        /// The setting's value: `dead-letter` or `arrival`.
        public var description: String { value == .deadLetter ? "dead-letter" : "arrival" }
    }

    /// The member names from the event's top level down, e.g. `["meta", "sequence"]`.
    public let path: [String]
    /// How the value is read (`dedup.order-type`).
    public let kind: Kind
    /// What happens to an event without a readable value (`dedup.order-missing`).
    public let missing: MissingPolicy

    /// - Parameter path: dot-separated member names, e.g. `meta.sequence`. The first may not be
    ///   `job_id`, `status` or `status_msg`, and no name may be empty; `nil` otherwise.
    public init?(path: String, kind: Kind, missing: MissingPolicy) {
        let names = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let required = [JobStatus.Key.jobID, JobStatus.Key.status, JobStatus.Key.statusMessage]
        guard !names.contains(where: \.isEmpty), let first = names.first, !required.contains(first) else {
            return nil
        }
        self.path = names
        self.kind = kind
        self.missing = missing
    }

    /// The path, kind and policy, e.g. `meta.sequence (integer, missing: dead-letter)`.
    public var description: String { "\(path.joined(separator: ".")) (\(kind), missing: \(missing))" }

    /// The event's position on the producer's clock, or why it has none.
    public func position(of status: JobStatus) -> Result<Int64, InvalidEvent> {
        let name = path.joined(separator: ".")
        var value: JSONValue? = status.extras[path[0]]
        for member in path.dropFirst() {
            value = value?.objectValue?[member]
        }
        guard let value else {
            return .failure(InvalidEvent(.missingOrderField, "the ordering member \"\(name)\" is missing"))
        }
        if let position = read(value) { return .success(position) }
        let expected = kind == .integer ? "an integer" : "an ISO 8601 timestamp or epoch seconds"
        let found = value.stringValue.map { "the string \"\($0.prefix(64))\"" } ?? value.typeDescription
        return .failure(
            InvalidEvent(.invalidOrderField, "the ordering member \"\(name)\" is \(found), not \(expected)"))
    }

    private func read(_ value: JSONValue) -> Int64? {
        switch (kind.value, value) {
        case (.integer, .number(let number)):
            // The parser keeps integers within +/-(2^53 - 1), so every one converts exactly.
            return number.rounded() == number ? Int64(exactly: number) : nil
        case (.timestamp, .number(let seconds)):
            return EventTimestamp.microseconds(epochSeconds: seconds)
        case (.timestamp, .string(let text)):
            return EventTimestamp.microseconds(iso8601: text)
        default:
            return nil
        }
    }
}
