import JobStatus

extension PublishedState {
    /// What an output record says was published. Decoded without today's limits (it may have
    /// been written under others); bytes that do not decode at all still dedup by fingerprint.
    /// With `dedup.ordering: field` the ordering value comes back from the record's own member
    /// (the output is the canonical event, extras included); a record without one (published
    /// under `dedup.order-missing: arrival`, or before the setting) restores without an order,
    /// as it was judged when published.
    /// Without an order field, the status alone is needed: ``CanonicalStatusScanner`` reads it
    /// without building the record, and hands anything unusual back to the full decoder.
    init(restoring value: [UInt8], ordering: DedupOrdering) {
        self = value.withUnsafeBytes { PublishedState(restoring: $0, ordering: ordering) }
    }

    /// ``init(restoring:ordering:)`` of the value's bytes where they are (a record read in place).
    init(restoring value: UnsafeRawBufferPointer, ordering: DedupOrdering) {
        if ordering.orderField == nil, let status = CanonicalStatusScanner.status(ofCanonical: value) {
            self.init(status: status, fingerprint: Fingerprint(of: value))
            return
        }
        guard let status = try? JobStatus.decode(value, options: .restore) else {
            self.init(fingerprint: Fingerprint(of: value), rank: nil, isTerminal: false)
            return
        }
        let order = ordering.orderField.flatMap { try? $0.position(of: status).get() }
        self.init(status: status.status, fingerprint: Fingerprint(of: value), order: order)
    }

    /// The state a record with this status and canonical bytes of this fingerprint leaves behind
    /// (a restore hashes the bytes where they are; the relay's loop takes the hash made with the
    /// record's decoding, off the loop).
    init(status: Status, fingerprint: Fingerprint, order: Int64? = nil) {
        self.init(
            fingerprint: fingerprint, rank: status.rank.map { Int8($0) }, isTerminal: status.isTerminal, order: order)
    }
}
