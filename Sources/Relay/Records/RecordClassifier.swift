public import JobStatus
public import Kafka

/// Decodes and judges input records: the pure part of the relay.
public struct RecordClassifier: Sendable {
    /// How values are decoded (`statuses.unknown`, `limits.*`).
    public var decoding: DecodingOptions
    /// The dedup rules (`dedup.ordering`); with an order field, also what ``decode(_:)`` reads.
    public var ordering: DedupOrdering
    /// What a key that differs from job_id does (`key-mismatch`).
    public var keyMismatch: KeyMismatchPolicy

    /// A classifier with these settings (the relay takes them from its ``RelayConfiguration``).
    public init(decoding: DecodingOptions, ordering: DedupOrdering, keyMismatch: KeyMismatchPolicy) {
        self.decoding = decoding
        self.ordering = ordering
        self.keyMismatch = keyMismatch
    }

    /// A record's value, decoded once: what the relay checks and judges.
    public enum DecodedRecord: Sendable {
        /// A null value.
        case tombstone
        /// Not a valid event, and why.
        case invalid(InvalidEvent)
        /// A valid event, and with an order field configured its position on the producer's clock
        /// (or why it has none). ``judge(_:key:table:pending:)`` takes the order as given, so a record is
        /// judged by the classifier that decoded it.
        case status(CanonicalEvent, order: Result<Int64, InvalidEvent>?)

        /// The event's job, if the record is a valid event.
        public var jobID: String? {
            if case .status(let event, _) = self { return event.jobID }
            return nil
        }
    }

    /// Decodes a record's value: ``CanonicalEvent/decode(_:options:)``, or with an order field
    /// ``JobStatus/decode(_:options:)`` (the field is read from the decoded members).
    public func decode(_ message: KafkaMessage) -> DecodedRecord {
        do throws(InvalidEvent) {
            // Parsed in place: the record's bytes stay in the batch's buffer.
            let record = try message.withValueBytes { bytes throws(InvalidEvent) -> DecodedRecord in
                guard ordering.orderField != nil else {
                    return .status(try CanonicalEvent.decode(bytes, options: decoding), order: nil)
                }
                return decoded(try JobStatus.decode(bytes, options: decoding))
            }
            return record ?? .tombstone
        } catch {
            return .invalid(error)
        }
    }

    /// A decoded status as the relay judges it: canonical, with its order when a field is configured.
    public func decoded(_ status: JobStatus) -> DecodedRecord {
        .status(CanonicalEvent(status), order: ordering.orderField.map { $0.position(of: status) })
    }

    /// Decodes a batch in order, in chunks that run in parallel (``DecodingBatch``): decoding is
    /// pure, so only the judging (which reads and writes the table) has to stay in sequence.
    public func decode(_ batch: [KafkaMessage]) async -> [DecodedRecord] {
        var decoding = DecodingBatch(batch, classifier: self)
        return await decoding.all()
    }

    /// Big enough that a task's overhead is small against decoding it (about 1 ms of work).
    static let decodedChunkSize = 256

    /// The outcome of a decoded record given the table (read through `pending`, an open
    /// transaction's changes), and whether its key mismatched (warn mode).
    public func judge(
        _ decoded: DecodedRecord, key: [UInt8]?, table: DedupTable, pending: DedupTable.Pending
    ) -> (
        outcome: RecordOutcome, keyMismatched: Bool
    ) {
        judge(
            decoded, jobKey: nil, table: table, pending: pending, last: { table[$0, pending: pending] },
            mismatchedKey: { jobID in key.flatMap { $0.elementsEqual(jobID.utf8) ? nil : $0 } })
    }

    /// ``judge(_:key:table:pending:)`` for a record as read, its key compared in place (no copy),
    /// as the relay judges it (`Benchmarks/` measures this path).
    public func judge(
        _ decoded: DecodedRecord, of message: KafkaMessage, table: DedupTable, pending: DedupTable.Pending
    ) -> (outcome: RecordOutcome, keyMismatched: Bool) {
        judge(decoded, of: message, jobKey: nil, table: table, pending: pending)
    }

    /// The relay's ``judge(_:key:table:pending:)``: the job's key is computed once per record by
    /// the caller, and the record's key is compared in place.
    func judge(
        _ decoded: DecodedRecord, of message: KafkaMessage, jobKey: JobKey?, table: DedupTable,
        pending: DedupTable.Pending
    ) -> (outcome: RecordOutcome, keyMismatched: Bool) {
        judge(
            decoded, jobKey: jobKey, table: table, pending: pending, last: { table[$0, pending: pending] },
            mismatchedKey: { jobID in message.keyEquals(jobID) ? nil : message.key })
    }

    /// The relay's judgement of a status record decoded by a ``DecodingBatch`` (its job's key,
    /// its fingerprint and its key's comparison made with its decoding), whose job's last publish
    /// (`last`, counting `pending`) the caller looked up already, for its coverage check too.
    func judge(
        _ decoded: DecodingBatch.Decoded, of message: KafkaMessage, last: PublishedState?, table: DedupTable,
        pending: DedupTable.Pending
    ) -> (outcome: RecordOutcome, keyMismatched: Bool) {
        judge(
            decoded.record, jobKey: decoded.key, fingerprint: decoded.fingerprint, table: table, pending: pending,
            last: { _ in last }, mismatchedKey: { _ in decoded.keyIsJobID ? nil : message.key })
    }

    /// - Parameters:
    ///   - jobKey: the ``JobKey`` of the event's job_id if the caller has it (`nil`: computed here).
    ///   - fingerprint: the event's canonical bytes' if the caller has it (`nil`: computed here).
    ///   - last: the job's last publish, counting `pending`.
    ///   - mismatchedKey: the record's key when it is not the given job_id; `nil` when it is, or
    ///     when the key is null.
    private func judge(
        _ decoded: DecodedRecord, jobKey: JobKey?, fingerprint: Fingerprint? = nil, table: DedupTable,
        pending: DedupTable.Pending,
        last: (JobKey) -> PublishedState?, mismatchedKey: (String) -> [UInt8]?
    ) -> (outcome: RecordOutcome, keyMismatched: Bool) {
        let event: CanonicalEvent
        let position: Result<Int64, InvalidEvent>?
        switch decoded {
        case .tombstone: return (.tombstone, false)
        case .invalid(let error): return (.deadLetter(error), false)
        case .status(let decoded, let order):
            event = decoded
            position = order
        }
        let jobKey = jobKey ?? JobKey(event.jobID)
        var keyMismatched = false
        if let key = mismatchedKey(event.jobID) {
            guard keyMismatch == .warn else {
                let shown = String(decoding: key.prefix(64), as: UTF8.self)
                return (
                    .deadLetter(
                        InvalidEvent(
                            .keyMismatch, "record key \"\(shown)\" is not the job_id \"\(event.jobID.prefix(64))\"")),
                    false
                )
            }
            keyMismatched = true
        }
        var order: Int64?
        switch position {
        case .success(let value)?: order = value
        case .failure(let error)? where ordering.orderField?.missing == .deadLetter: return (.deadLetter(error), false)
        case .failure?, nil: order = nil
        }
        let state = PublishedState(
            status: event.status, fingerprint: fingerprint ?? Fingerprint(of: event.canonicalBytes), order: order)
        let last = last(jobKey)
        // A job forgotten by a retention tombstone stays finished until the horizon.
        if last == nil, table.isRecentlyFinished(jobKey, pending: pending) {
            return (.drop(.afterTerminal), keyMismatched)
        }
        switch DedupPolicy.decide(last: last, event: state, ordering: ordering) {
        case .publish:
            return (.publish(jobID: event.jobID, canonicalBytes: event.canonicalBytes, state: state), keyMismatched)
        case .drop(let reason):
            return (.drop(reason), keyMismatched)
        }
    }

    /// ``decode(_:)`` then ``judge(_:key:table:pending:)``.
    public func classify(
        _ message: KafkaMessage, table: DedupTable, pending: DedupTable.Pending
    ) -> (outcome: RecordOutcome, keyMismatched: Bool) {
        judge(decode(message), key: message.key, table: table, pending: pending)
    }
}
