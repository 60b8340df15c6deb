/// A change of the partitions assigned to this consumer by its group.
///
/// ``KafkaConsumer/poll(maxMessages:timeout:)`` returns it *before* librdkafka
/// applies it: partitions being revoked are still assigned, and partitions
/// being assigned are not fetched yet. The change is applied when the caller
/// next polls (or closes). That gap is where the relay finishes the open
/// transaction before a revoke, and restores its table before an assignment.
/// librdkafka waits for it, bounded by `max.poll.interval.ms`.
public struct KafkaRebalance: Hashable, Sendable, CustomStringConvertible {
    /// What kind of change.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable {
            case assign, revoke, lost
        }
        let value: Value

        /// Partitions are being added.
        public static let assign = Kind(value: .assign)
        /// Partitions are being taken away in an orderly way: commit what you have.
        public static let revoke = Kind(value: .revoke)
        /// Partitions were lost (session timeout): another member may already own them; do not commit.
        public static let lost = Kind(value: .lost)

        /// `assign`, `revoke` or `lost`.
        public var description: String {
            switch value {
            case .assign: "assign"
            case .revoke: "revoke"
            case .lost: "lost"
            }
        }
    }

    /// Assign, revoke or lost.
    public var kind: Kind
    /// The partitions that change (for the eager protocol: the whole assignment).
    public var partitions: [TopicPartition]
    /// Whether the group uses the incremental cooperative protocol (`cooperative-sticky`).
    public var isCooperative: Bool

    /// A rebalance event, as the consumer reports it (tests build their own).
    public init(kind: Kind, partitions: [TopicPartition], isCooperative: Bool) {
        self.kind = kind
        self.partitions = partitions
        self.isCooperative = isCooperative
    }

    /// The kind and the partitions, e.g. `revoke jobs[0], jobs[1] (cooperative)`.
    public var description: String {
        "\(kind) \(partitions.map(\.description).joined(separator: ", "))\(isCooperative ? " (cooperative)" : "")"
    }
}
