public import Kafka

extension DedupTable {
    /// Records one output record as the restore reads it: its key (the job_id) and its value
    /// (`nil`: a tombstone), read in place. This is the restore's per-record work on the table,
    /// and what `scripts/bench` measures ("restore/rebuild the table").
    ///
    /// The value is read as ``PublishedState/init(restoring:ordering:)`` reads it; the job_id
    /// becomes a `String` only when the table keeps it (a terminal job, with finished-job
    /// retention). Otherwise as ``restore(_:_:source:timestamp:remembersTombstone:)``.
    /// - Parameters:
    ///   - record: an output record.
    ///   - ordering: `dedup.ordering`: whether the value's order field is read.
    ///   - source: the input record it was published from (its source headers).
    ///   - timestamp: the output record's timestamp (milliseconds since the epoch).
    ///   - remembersTombstone: a tombstone is one of this daemon's retention tombstones within
    ///     the horizon.
    /// - Returns: whether the record was taken: `false` when the table holds newer news of the
    ///   job, or the record has no key (no job).
    @discardableResult
    public mutating func restore(
        _ record: KafkaMessage, ordering: DedupOrdering, source: SourcePosition?, timestamp: Int64,
        remembersTombstone: Bool = false
    ) -> Bool {
        restoredKey(
            record, ordering: ordering, source: source, timestamp: timestamp, remembersTombstone: remembersTombstone)
            != nil
    }

    /// ``restore(_:ordering:source:timestamp:remembersTombstone:)``, returning the job's key when
    /// the record was taken (the relay's `/jobs` view keys by it too), `nil` when it was not.
    mutating func restoredKey(
        _ record: KafkaMessage, ordering: DedupOrdering, source: SourcePosition?, timestamp: Int64,
        remembersTombstone: Bool
    ) -> JobKey? {
        record.withKeyAndValueBytes { key, value in
            guard let key else { return nil }
            let jobKey = JobKey(bytes: key)
            let taken = restore(
                jobKey, jobID: String(decoding: key, as: UTF8.self),
                value.map { PublishedState(restoring: $0, ordering: ordering) }, source: source,
                timestamp: timestamp, remembersTombstone: remembersTombstone)
            return taken ? jobKey : nil
        }
    }
}
