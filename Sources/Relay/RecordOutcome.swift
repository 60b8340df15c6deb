public import JobStatus
public import Kafka

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

    public var description: String { value == .warn ? "warn" : "reject" }
}

/// Decodes and judges input records: the pure part of the relay.
public struct RecordClassifier: Sendable {
    public var decoding: DecodingOptions
    public var ordering: DedupOrdering
    public var keyMismatch: KeyMismatchPolicy

    public init(decoding: DecodingOptions, ordering: DedupOrdering, keyMismatch: KeyMismatchPolicy) {
        self.decoding = decoding
        self.ordering = ordering
        self.keyMismatch = keyMismatch
    }

    /// A record's value, decoded once: what the relay checks and judges.
    public enum DecodedRecord: Sendable {
        case tombstone
        case invalid(InvalidEvent)
        case status(JobStatus)
    }

    /// Decodes a record's value with ``JobStatus/decode(_:options:)``.
    public func decode(_ message: KafkaMessage) -> DecodedRecord {
        do throws(InvalidEvent) {
            // Parsed in place: the record's bytes stay in the batch's buffer.
            let status = try message.withValueBytes { bytes throws(InvalidEvent) in
                try JobStatus.decode(bytes, options: decoding)
            }
            return status.map { .status($0) } ?? .tombstone
        } catch {
            return .invalid(error)
        }
    }

    /// A record decoded and, for a status, canonicalized: everything about it that does not
    /// depend on the table, so batches can be prepared on several cores.
    public struct PreparedRecord: Sendable {
        public var decoded: DecodedRecord
        /// The canonical bytes of a status (empty otherwise).
        public var canonicalBytes: [UInt8]
    }

    /// Decodes `message` and canonicalizes its status.
    public func prepare(_ message: KafkaMessage) -> PreparedRecord {
        let decoded = decode(message)
        guard case .status(let status) = decoded else { return PreparedRecord(decoded: decoded, canonicalBytes: []) }
        return PreparedRecord(decoded: decoded, canonicalBytes: status.canonicalBytes())
    }

    /// Prepares a batch in order, in chunks that run in parallel: decoding is pure, so only the
    /// judging (which reads and writes the table) has to stay in sequence.
    public func prepare(_ batch: [KafkaMessage]) async -> [PreparedRecord] {
        let chunkSize = Self.preparedChunkSize
        guard batch.count > chunkSize else { return batch.map(prepare) }
        let starts = Array(stride(from: batch.startIndex, to: batch.endIndex, by: chunkSize))
        return await withTaskGroup(of: (Int, [PreparedRecord]).self) { group in
            for (chunk, start) in starts.enumerated() {
                let slice = batch[start..<min(start + chunkSize, batch.endIndex)]
                group.addTask { (chunk, slice.map(prepare)) }
            }
            var chunks = [[PreparedRecord]](repeating: [], count: starts.count)
            for await (chunk, prepared) in group { chunks[chunk] = prepared }
            return chunks.flatMap { $0 }
        }
    }

    /// Big enough that a task's overhead is small against decoding it (about 1 ms of work).
    static let preparedChunkSize = 256

    /// The outcome of a decoded record given the table, and whether its key mismatched (warn mode).
    /// - Parameter canonicalBytes: the status's canonical bytes when ``prepare(_:)`` made them
    ///   already (`nil`: made here).
    public func judge(
        _ decoded: DecodedRecord, canonicalBytes: [UInt8]? = nil, key: [UInt8]?, table: DedupTable
    ) -> (
        outcome: RecordOutcome, keyMismatched: Bool
    ) {
        let status: JobStatus
        switch decoded {
        case .tombstone: return (.tombstone, false)
        case .invalid(let error): return (.deadLetter(error), false)
        case .status(let decoded): status = decoded
        }
        var keyMismatched = false
        if let key, !key.elementsEqual(status.jobID.utf8) {
            guard keyMismatch == .warn else {
                let shown = String(decoding: key.prefix(64), as: UTF8.self)
                return (
                    .deadLetter(
                        InvalidEvent(
                            .keyMismatch, "record key \"\(shown)\" is not the job_id \"\(status.jobID.prefix(64))\"")),
                    false
                )
            }
            keyMismatched = true
        }
        var order: Int64?
        if let field = ordering.orderField {
            switch field.position(of: status) {
            case .success(let position): order = position
            case .failure(let error) where field.missing == .deadLetter: return (.deadLetter(error), false)
            case .failure: order = nil
            }
        }
        let canonical = canonicalBytes ?? status.canonicalBytes()
        let state = PublishedState(status: status.status, canonicalBytes: canonical, order: order)
        let last = table[status.jobID]
        // A job forgotten by a retention tombstone stays finished until the horizon.
        if last == nil, table.isRecentlyFinished(status.jobID) { return (.drop(.afterTerminal), keyMismatched) }
        switch DedupPolicy.decide(last: last, event: state, ordering: ordering) {
        case .publish:
            return (.publish(jobID: status.jobID, canonicalBytes: canonical, state: state), keyMismatched)
        case .drop(let reason):
            return (.drop(reason), keyMismatched)
        }
    }

    /// ``decode(_:)`` then ``judge(_:key:table:)``.
    public func classify(_ message: KafkaMessage, table: DedupTable) -> (outcome: RecordOutcome, keyMismatched: Bool) {
        judge(decode(message), key: message.key, table: table)
    }
}
