/// One transaction's changes to what the relay knows of its output: the dedup table's
/// (``DedupTable/Pending``) and, for the relay stage of `input.keying: any`, the origin
/// watermarks' (``OriginWatermarks/Pending``). Held by ``OpenTransaction``, so the state
/// machine decides their fate: a commit hands them to the relay to apply, an abort drops them.
///
/// A value per transaction, not a part of the table: transactions that overlap (one committing
/// while the next is judged) each keep their own, and judging reads the table through all of
/// them, newest first.
struct PendingChanges: Equatable {
    var jobs: DedupTable.Pending
    var origins = OriginWatermarks.Pending()

    /// No changes yet, with room for `expectedPublishes` publishes.
    init(expectedPublishes: Int = 0) {
        jobs = DedupTable.Pending(reservingCapacity: expectedPublishes)
    }

    /// No changes yet, read over `committing` (the changes of the transaction that commits while
    /// these are made), with room for `expectedPublishes` publishes.
    init(over committing: PendingChanges, expectedPublishes: Int) {
        jobs = DedupTable.Pending(over: committing.jobs, reservingCapacity: expectedPublishes)
        origins = OriginWatermarks.Pending(over: committing.origins)
    }

    /// The transaction below these changes committed: what it changed is in the table now.
    mutating func forgetCommittingLayer() {
        jobs.forgetCommittingLayer()
        origins.forgetCommittingLayer()
    }

    /// Whether there are no changes.
    var isEmpty: Bool { jobs.isEmpty && origins.isEmpty }
}
