import CRdKafka

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

/// What ``KafkaConsumer/poll(maxMessages:timeout:)`` returns.
public enum KafkaConsumerEvent: Sendable, Equatable {
    /// Records in partition order; empty when the timeout passed with nothing to read.
    case messages([KafkaMessage])
    /// The group changes this consumer's assignment (applied on the next poll).
    case rebalance(KafkaRebalance)
    /// A consumer error; fatal ones have ``KafkaError/isFatal`` set.
    case error(KafkaError)
    /// The consumer has read everything in this partition as of its last fetch response: the
    /// offset is the partition's end then (the last stable offset under `read_committed`). Only
    /// with `enable.partition.eof=true`; a reader that must reach "the end as of now" waits for it.
    case endOfPartition(TopicPartitionOffset)
}

/// The consumer group's identity for a transaction (KIP-447): pass it to
/// ``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)`` so the
/// broker can fence zombie instances of the same group member.
public final class KafkaGroupMetadata: @unchecked Sendable {
    // @unchecked: immutable pointer to an immutable librdkafka object, destroyed once in deinit.
    let pointer: OpaquePointer

    /// The group generation this member belongs to (-1 before it joined): a broker with KIP-447
    /// rejects offsets sent with a generation older than the group's.
    public let generationID: Int32
    /// The member id the group coordinator gave this consumer ("" before it joined).
    public let memberID: String

    init(pointer: OpaquePointer) {
        self.pointer = pointer
        let identity = Self.identity(of: pointer)
        self.generationID = identity.generation
        self.memberID = identity.member
    }

    /// Reads generation and member id from librdkafka's serialized form
    /// (`rd_kafka_consumer_group_metadata_write`: "CGMDv2:", the native int32 generation id,
    /// then the NUL-terminated group id and member id), the only way the C API exposes them.
    private static func identity(of pointer: OpaquePointer) -> (generation: Int32, member: String) {
        var buffer: UnsafeMutableRawPointer? = nil
        var size = 0
        if let error = rd_kafka_consumer_group_metadata_write(pointer, &buffer, &size) {
            rd_kafka_error_destroy(error)
            return (-1, "")
        }
        guard let buffer else { return (-1, "") }
        defer { rd_kafka_mem_free(nil, buffer) }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: size)
        let magic = Array("CGMDv2:".utf8)
        let generationEnd = magic.count + 4
        guard size > generationEnd, bytes.prefix(magic.count).elementsEqual(magic) else { return (-1, "") }
        let generation = bytes.loadUnaligned(fromByteOffset: magic.count, as: Int32.self)
        let strings = bytes[generationEnd...].split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        let member = strings.count > 1 ? String(decoding: strings[1], as: UTF8.self) : ""
        return (generation, member)
    }

    deinit {
        rd_kafka_consumer_group_metadata_destroy(pointer)
    }
}
