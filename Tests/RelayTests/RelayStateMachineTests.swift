import Kafka
import Testing

@testable import Relay

/// The relay loop's transitions, without a broker. Each defect of issue 10 that lives in the
/// loop's decisions has a test here; the end-to-end suites show the same against a broker.
@Suite("Relay state machine")
struct RelayStateMachineTests {
    let start = ContinuousClock.now
    static let timeout: Duration = .seconds(10)

    func machine(exactlyOnce: Bool = true, maxRecords: Int = 1000) -> RelayStateMachine {
        RelayStateMachine(
            isExactlyOnce: exactlyOnce, interval: .milliseconds(100), maxRecords: maxRecords,
            operationTimeout: Self.timeout, drainTimeout: .seconds(5), maxConsecutiveAborts: 3)
    }

    static func batch(_ partition: Int32, _ offsets: ClosedRange<Int64>) -> [KafkaMessage] {
        offsets.map {
            KafkaMessage(
                topicPartition: TopicPartition("in", partition), offset: KafkaOffset(rawValue: $0), key: nil,
                value: nil)
        }
    }

    /// Runs a batch through the machine as the loop does: every record consumed, a run of one
    /// partition at a time.
    @discardableResult
    func process(
        _ machine: inout RelayStateMachine, _ batch: [KafkaMessage], at now: ContinuousClock.Instant
    ) -> RelayStateMachine.Action {
        _ = machine.batchReceived(batch, now: now)
        var transaction = machine.startProcessing()
        for run in batch.partitionRuns { transaction.consumed(batch[run]) }
        return machine.processed(transaction, now: now)
    }

    @Test func aBatchIsConsumedByRunsOfOnePartition() {
        let batch = Self.batch(0, 5...7) + Self.batch(1, 0...0) + Self.batch(0, 8...9)
        #expect(batch.partitionRuns == [0..<3, 3..<4, 4..<6])
        #expect([KafkaMessage]().partitionRuns.isEmpty)
        var machine = machine()
        _ = machine.batchReceived(batch, now: start)
        var transaction = machine.startProcessing()
        for run in batch.partitionRuns { transaction.consumed(batch[run]) }
        #expect(transaction.counters.consumed == 6)
        #expect(transaction.commitOffsets.map(\.offset.rawValue) == [10, 1], "past each partition's last record")
        let both: Set = [TopicPartition("in", 0), TopicPartition("in", 1)]
        #expect(transaction.rewindOffsets(keeping: both).map(\.offset.rawValue) == [5, 0])
    }

    @Test func firstBatchBeginsATransactionLaterOnesJoinIt() {
        var machine = machine()
        #expect(machine.batchReceived(Self.batch(0, 0...9), now: start).name == "beginAndProcess")
        _ = machine.processed(machine.startProcessing(), now: start)
        #expect(machine.batchReceived(Self.batch(0, 10...19), now: start).name == "process")
        _ = machine.processed(machine.startProcessing(), now: start)
        #expect(machine.hasOpenTransaction)
    }

    @Test func atLeastOnceNeedsNoTransactionCall() {
        var machine = machine(exactlyOnce: false)
        #expect(machine.batchReceived(Self.batch(0, 0...9), now: start).name == "process")
    }

    @Test func commitsWhenTheIntervalPassesOrTheTransactionIsFull() {
        var machine = machine(maxRecords: 20)
        #expect(process(&machine, Self.batch(0, 0...9), at: start).name == "none")
        #expect(machine.tick(now: start + .milliseconds(50)).name == "none")
        guard case .sendOffsets(let offsets, _) = machine.tick(now: start + .milliseconds(100)) else {
            Issue.record("expected sendOffsets")
            return
        }
        #expect(offsets == [TopicPartitionOffset("in", 0, 10)], "the offset after the last record read")
        #expect(machine.offsetsSent(now: start).name == "commitTransaction")
        #expect(machine.committed().1.name == "none")
        #expect(process(&machine, Self.batch(0, 10...29), at: start).name == "sendOffsets", "full")
    }

    /// Defect 1: a produce error in the middle of a batch must abort, and the rewind must cover
    /// every partition of the batch, including records not reached yet; nothing commits.
    @Test func aProduceErrorMidBatchAbortsAndRewindsTheWholeBatch() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        let batch = Self.batch(0, 5...9) + Self.batch(1, 100...104)
        _ = machine.batchReceived(batch, now: start)
        var transaction = machine.startProcessing()
        transaction.consumed(batch[0])  // the second record fails to produce
        let error = KafkaError(code: .queueFull, message: "local queue full", isRetriable: false)
        #expect(machine.processingFailed(transaction, error: error, now: start).name == "abortTransaction")
        let (aborted, then) = machine.aborted()
        #expect(then == .rewind)
        let keep: Set = [TopicPartition("in", 0), TopicPartition("in", 1)]
        #expect(
            aborted.rewindOffsets(keeping: keep) == [
                TopicPartitionOffset("in", 0, 0), TopicPartitionOffset("in", 1, 100),
            ])
        #expect(machine.hasOpenTransaction == false)
        #expect(machine.batchReceived(Self.batch(0, 0...1), now: start).name == "beginAndProcess")
    }

    @Test func atLeastOnceCannotTakeBackWhatItProducedSoItStops() {
        var machine = machine(exactlyOnce: false)
        _ = machine.batchReceived(Self.batch(0, 0...4), now: start)
        let error = KafkaError(code: .queueFull, message: "x", isRetriable: false)
        #expect(machine.processingFailed(machine.startProcessing(), error: error, now: start).name == "fail")
    }

    /// Defect 5: an incremental assign while a transaction is open must not reset the machine:
    /// the transaction commits first, and the next batch begins a new one.
    @Test func aCooperativeAssignDuringAnOpenTransactionCommitsItFirst() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        #expect(machine.rebalanceReceived(.assign, now: start).name == "sendOffsets")
        #expect(machine.offsetsSent(now: start).name == "commitTransaction")
        let (committed, next) = machine.committed()
        #expect(committed.recordCount == 5 && next.name == "none")
        #expect(machine.batchReceived(Self.batch(0, 5...6), now: start).name == "beginAndProcess")
    }

    @Test func revokeCommitsAndLostAbortsWithoutRewind() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        #expect(machine.rebalanceReceived(.revoke, now: start).name == "sendOffsets")
        _ = machine.offsetsSent(now: start)
        _ = machine.committed()
        process(&machine, Self.batch(0, 5...6), at: start)
        #expect(machine.rebalanceReceived(.lost, now: start).name == "abortTransaction")
        #expect(machine.aborted().1 == .drop)
        #expect(machine.rebalanceReceived(.revoke, now: start).name == "none", "nothing open")
    }

    /// Defect 7: at-least-once never aborts (records in librdkafka's queue would still be
    /// delivered): losing partitions waits for the deliveries and commits no offsets.
    @Test func atLeastOnceLossDeliversAndCommitsNoOffsets() {
        var machine = machine(exactlyOnce: false)
        process(&machine, Self.batch(0, 0...4), at: start)
        guard case .deliver(let offsets, _) = machine.rebalanceReceived(.lost, now: start) else {
            Issue.record("expected deliver")
            return
        }
        #expect(offsets.isEmpty)
        #expect(machine.committed().1.name == "none")
    }

    /// Defect 7, at commit: a delivery report that failed (even a retriable one) stops the
    /// relay; rewinding would re-produce while librdkafka may still deliver the first copies.
    @Test func atLeastOnceDeliveryFailureAtCommitStops() {
        var machine = machine(exactlyOnce: false)
        process(&machine, Self.batch(0, 0...4), at: start)
        guard case .deliver = machine.tick(now: start + .milliseconds(100)) else {
            Issue.record("expected deliver at the interval")
            return
        }
        let error = KafkaError(code: .timedOut, message: "message timed out", isRetriable: true)
        #expect(machine.commitStepFailed(error, now: start + .milliseconds(100)).name == "fail")
    }

    /// Defect 6: a timed-out commit_transaction is resumed with the same call, never by sending
    /// the offsets again (librdkafka answers that with _CONFLICT).
    @Test func aTimedOutCommitIsResumedNotRestarted() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        _ = machine.offsetsSent(now: start + .seconds(1))
        let timedOut = KafkaError(code: .timedOut, message: "commit timed out", isRetriable: true)
        #expect(machine.commitStepFailed(timedOut, now: start + .seconds(2)).name == "commitTransaction")
        #expect(machine.commitStepFailed(timedOut, now: start + .seconds(5)).name == "commitTransaction")
        #expect(machine.committed().0.recordCount == 5)
    }

    /// The review's case: the call times out *at* the deadline. Aborting then would only meet
    /// `_CONFLICT` (the commit is still in progress); the relay stops, and the restart's
    /// init_transactions aborts the open transaction.
    @Test func aCommitStillTimingOutAtTheDeadlineStopsTheRelayInsteadOfAborting() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        guard case .sendOffsets(_, let timeout) = machine.tick(now: start + .seconds(1)) else {
            Issue.record("expected sendOffsets")
            return
        }
        #expect(timeout < Self.timeout, "one attempt leaves time for another")
        _ = machine.offsetsSent(now: start + .seconds(1))
        let timedOut = KafkaError(code: .timedOut, message: "commit timed out", isRetriable: true)
        #expect(machine.commitStepFailed(timedOut, now: start + .seconds(11)).name == "fail")
    }

    @Test func sendOffsetsTimingOutIsResumedThenStops() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        let timedOut = KafkaError(code: .timedOut, message: "timed out", isRetriable: true)
        #expect(machine.commitStepFailed(timedOut, now: start + .seconds(2)).name == "sendOffsets")
        #expect(machine.commitStepFailed(timedOut, now: start + .seconds(12)).name == "fail")
    }

    @Test func abortableAndFatalCommitErrors() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        let abortable = KafkaError(code: .timedOut, message: "x", isRetriable: true, requiresAbort: true)
        #expect(machine.commitStepFailed(abortable, now: start).name == "abortTransaction")
        #expect(machine.aborted().1 == .rewind)

        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        let fenced = KafkaError(code: .fenced, message: "fenced", isFatal: true)
        #expect(machine.commitStepFailed(fenced, now: start).name == "fail")
    }

    @Test func anAbortThatTimesOutIsResumedUntilTheDeadline() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.rebalanceReceived(.lost, now: start)
        let timedOut = KafkaError(code: .timedOut, message: "x", isRetriable: true)
        #expect(machine.abortFailed(timedOut, now: start + .seconds(1)).name == "abortTransaction")
        #expect(machine.abortFailed(timedOut, now: start + .seconds(11)).name == "fail")

        var conflicted = self.machine()
        process(&conflicted, Self.batch(0, 0...4), at: start)
        _ = conflicted.rebalanceReceived(.lost, now: start)
        let conflict = KafkaError(code: .conflict, message: "another call in progress", isRetriable: true)
        #expect(conflicted.abortFailed(conflict, now: start).name == "fail", "no busy retry on _CONFLICT")
    }

    @Test func abortsInARowWithoutACommitStopTheRelay() {
        var machine = machine()
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        for round in 1...4 {
            process(&machine, Self.batch(0, 0...4), at: start)
            _ = machine.tick(now: start + .seconds(1))
            let action = machine.commitStepFailed(abortable, now: start + .seconds(1))
            if round <= 3 {
                #expect(action.name == "abortTransaction")
                _ = machine.aborted()
            } else {
                #expect(action.name == "fail")
            }
        }
    }

    @Test func drainCommitsThenCloses() {
        var machine = machine()
        #expect(machine.shutdownRequested(now: start).name == "close", "idle: close at once")
        var draining = self.machine()
        process(&draining, Self.batch(0, 0...4), at: start)
        #expect(draining.shutdownRequested(now: start).name == "sendOffsets")
        _ = draining.offsetsSent(now: start)
        #expect(draining.committed().1.name == "close")
    }

    @Test func aFailedDrainCommitAbortsThenCloses() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.shutdownRequested(now: start)
        let abortable = KafkaError(code: .timedOut, message: "x", requiresAbort: true)
        #expect(machine.commitStepFailed(abortable, now: start + .seconds(4)).name == "abortTransaction")
        let timedOut = KafkaError(code: .timedOut, message: "x", isRetriable: true)
        // The drain's deadline (5 s) holds for its abort too: the stop timeout does not grow.
        #expect(machine.abortFailed(timedOut, now: start + .seconds(6)).name == "fail")

        var again = self.machine()
        process(&again, Self.batch(0, 0...4), at: start)
        _ = again.shutdownRequested(now: start)
        _ = again.commitStepFailed(abortable, now: start)
        #expect(again.aborted().1 == .close)
    }

    @Test func deliveryTagsNeverRepeatAcrossTransactions() {
        var machine = machine()
        _ = machine.batchReceived(Self.batch(0, 0...1), now: start)
        var first = machine.startProcessing()
        let source = Self.batch(0, 0...0)[0]
        #expect(first.tagProduced(from: source, isDeadLetter: false) == 0)
        #expect(first.tagProduced(from: source, isDeadLetter: true) == 1)
        _ = machine.processed(first, now: start)
        _ = machine.rebalanceReceived(.lost, now: start)
        let (aborted, _) = machine.aborted()
        #expect(aborted.source(ofTag: 1)?.isDeadLetter == true)
        _ = machine.batchReceived(Self.batch(0, 0...1), now: start)
        var second = machine.startProcessing()
        #expect(second.tagProduced(from: source, isDeadLetter: false) == 2)
        #expect(second.source(ofTag: 1) == nil, "a tag of the aborted transaction is not this one's")
    }
}

extension RelayStateMachine.Action {
    /// The case name, for comparisons in tests.
    var name: String {
        switch self {
        case .none: "none"
        case .beginAndProcess: "beginAndProcess"
        case .process: "process"
        case .sendOffsets: "sendOffsets"
        case .commitTransaction: "commitTransaction"
        case .deliver: "deliver"
        case .abortTransaction: "abortTransaction"
        case .close: "close"
        case .fail: "fail"
        }
    }
}
