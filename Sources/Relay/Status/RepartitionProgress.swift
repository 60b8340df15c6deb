/// The first stage of `input.keying: any` in the relay's snapshot: how much of the input it
/// re-keyed into the repartition topic.
public struct RepartitionProgress: Sendable {
    /// The first stage's phase.
    public var phase: RelaySnapshot.Phase
    /// Input partitions this instance re-keys.
    public var assignedPartitions: Int
    /// Input records consumed by the first stage (committed work).
    public var consumed: Int
    /// Input records re-keyed into the repartition topic (committed work).
    public var repartitioned: Int

    var statusLine: String {
        switch phase {
        case .running, .standingBy:
            "\(assignedPartitions) input partitions, \(consumed) consumed, \(repartitioned) re-keyed"
        default: phase.rawValue
        }
    }
}

extension RelaySnapshot {
    /// Folds the first stage's snapshot into the relay stage's: the records it did not pass on
    /// (dead letters, input tombstones) join the counters, so ``RelayCounters/isBalanced`` still
    /// holds; its input partitions' offsets and lag join the maps; the older heartbeat counts,
    /// so the watchdog sees either loop stall; a failed stage fails the whole.
    mutating func merge(repartitionStage stage: RelaySnapshot) {
        let passedOn = stage.counters.published
        var notPassedOn = stage.counters
        notPassedOn.consumed -= passedOn
        notPassedOn.published = 0
        counters.add(notPassedOn)
        repartition = RepartitionProgress(
            phase: stage.phase, assignedPartitions: stage.assignedPartitions, consumed: stage.counters.consumed,
            repartitioned: passedOn)
        committedOffsets.merge(stage.committedOffsets) { own, _ in own }
        consumerLag.merge(stage.consumerLag) { own, _ in own }
        transactionsCommitted += stage.transactionsCommitted
        transactionsAborted += stage.transactionsAborted
        lastHeartbeat = min(lastHeartbeat, stage.lastHeartbeat)
        if stage.phase == .failed { phase = .failed }
        // The first stage reads the DLQ before its partitions' first record: while it does, the
        // whole is restoring (systemd's start timeout is extended by progress, StartTimeoutExtension).
        restoredRecords += stage.restoredRecords
        if stage.phase == .restoring, phase != .failed, phase != .restoring {
            phase = .restoring
            restoredPartitions = stage.restoredPartitions
            partitionsToRestore = stage.partitionsToRestore
        }
    }
}
