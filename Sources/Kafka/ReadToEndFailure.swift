/// Why a read to the end (``PartitionEndReader/readToEnd(_:limit:progress:isStopped:apply:)``)
/// failed.
public enum ReadToEndFailure: Error, Equatable, CustomStringConvertible {
    /// A partition not read to its end in time.
    public struct Unfinished: Equatable, Sendable {
        /// The partition.
        public var partition: TopicPartition
        /// The next offset the read would have returned.
        public var next: KafkaOffset
        /// The partition's end, if the read learned it.
        public var end: KafkaOffset?

        /// A partition at `next`, with its end if known.
        public init(partition: TopicPartition, next: KafkaOffset, end: KafkaOffset?) {
            self.partition = partition
            self.next = next
            self.end = end
        }
    }

    /// The consumer failed: it could not assign the partitions, or reported a fatal error.
    case kafka(KafkaError)
    /// The partitions not read to their end within the read's limit.
    case timedOut([Unfinished])
    /// The caller asked the read to stop (or its task was cancelled) before it finished.
    case stopped

    /// What failed; for a timeout, where each unfinished partition stood.
    public var description: String {
        switch self {
        case .kafka(let error):
            "\(error)"
        case .stopped:
            "stopped before the end: the reader was asked to stop"
        case .timedOut(let partitions):
            "not read to the end in time: "
                + partitions.map { "\($0.partition) at \($0.next) of \($0.end?.description ?? "unknown end")" }
                .joined(separator: ", ")
        }
    }
}
