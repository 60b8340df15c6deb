import Kafka
import Logging
import Testing

@testable import Relay

/// The relay loop's transitions, without a broker. Each defect of issue 10 that lives in the
/// loop's decisions has a test here; the end-to-end suites show the same against a broker.
@Suite("Relay state machine")
struct RelayStateMachineTests {
    let start = ContinuousClock.now
    static let timeout: Duration = .seconds(10)

    func machine(
        _ delivery: RelayConfiguration.Delivery = .exactlyOnce, maxRecords: Int = 1000, overlaps: Bool = false
    ) -> RelayStateMachine {
        RelayStateMachine(
            delivery: delivery, interval: .milliseconds(100), maxRecords: maxRecords,
            operationTimeout: Self.timeout, drainTimeout: .seconds(5), maxConsecutiveAborts: 3,
            overlapsCommits: overlaps)
    }

    static let both: Set = [TopicPartition("in", 0), TopicPartition("in", 1)]

    static func offset(_ partition: KafkaPartition, _ offset: Int64) -> TopicPartitionOffset {
        TopicPartitionOffset("in", partition, offset)
    }

    static func batch(_ partition: KafkaPartition, _ offsets: ClosedRange<Int64>) -> [KafkaMessage] {
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
        #expect(transaction.rewindOffsets(keeping: Self.both).map(\.offset.rawValue) == [5, 0])
    }

    @Test func firstBatchBeginsATransactionLaterOnesJoinIt() {
        var machine = machine()
        let first = Self.batch(0, 0...9)
        let second = Self.batch(0, 10...19)
        #expect(machine.batchReceived(first, now: start) == .beginAndProcess(first))
        _ = machine.processed(machine.startProcessing(), now: start)
        #expect(machine.batchReceived(second, now: start) == .process(second))
        _ = machine.processed(machine.startProcessing(), now: start)
        #expect(machine.hasOpenTransaction)
    }

    @Test func atLeastOnceNeedsNoTransactionCall() {
        var machine = machine(.atLeastOnce)
        let batch = Self.batch(0, 0...9)
        #expect(machine.batchReceived(batch, now: start) == .process(batch))
    }

    /// Tombstones due while no input arrives open a transaction of their own; an open one writes
    /// them with its next batch.
    @Test func dueTombstonesOpenATransactionOnlyWhenNoneIsOpen() {
        var machine = machine()
        #expect(machine.tombstonesDue([], now: start) == .none, "none due: nothing to open")
        #expect(machine.tombstonesDue(["a"], now: start) == .beginAndProcess([]))
        #expect(machine.hasOpenTransaction)
        _ = machine.processed(machine.startProcessing(), now: start)
        #expect(machine.tombstonesDue(["b"], now: start) == .none, "the open transaction writes them")
        #expect(machine.startProcessing().dueTombstones == ["a", "b"])

        var atLeastOnce = self.machine(.atLeastOnce)
        #expect(atLeastOnce.tombstonesDue(["a"], now: start) == .process([]))
    }

    @Test func commitsWhenTheIntervalPassesOrTheTransactionIsFull() {
        var machine = machine(maxRecords: 20)
        let now = start + .milliseconds(100)
        #expect(process(&machine, Self.batch(0, 0...9), at: start) == .none)
        #expect(machine.tick(now: start + .milliseconds(50)) == .none)
        // The offset after the last record read; half the operation timeout, so that one retry fits.
        #expect(machine.tick(now: now) == .sendOffsets([Self.offset(0, 10)], timeout: .seconds(5)))
        #expect(machine.offsetsSent(now: now) == .commitTransaction(timeout: .seconds(5)))
        #expect(machine.committed().1 == .none)
        #expect(
            process(&machine, Self.batch(0, 10...29), at: now)
                == .sendOffsets([Self.offset(0, 30)], timeout: .seconds(5)), "full")
    }

    /// The loop polls no longer than until the open transaction is due: the interval after its
    /// first batch, not after the last one; nothing is due without an open transaction.
    @Test func anOpenTransactionIsDueTheIntervalAfterItOpened() {
        var machine = machine(overlaps: true)
        #expect(machine.commitDue == nil)
        process(&machine, Self.batch(0, 0...9), at: start)
        #expect(machine.commitDue == start + .milliseconds(100))
        process(&machine, Self.batch(0, 10...19), at: start + .milliseconds(60))
        #expect(machine.commitDue == start + .milliseconds(100))
        let due = start + .milliseconds(100)
        #expect(machine.tick(now: due) == .sendOffsets([Self.offset(0, 20)], timeout: .seconds(5)))
        #expect(machine.commitDue == nil, "committing: the next transaction is due once it began")
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
        #expect(
            machine.processingFailed(transaction, error: error, now: start) == .abortTransaction(timeout: .seconds(5)))
        #expect(machine.aborted(keeping: Self.both).1 == .rewind([Self.offset(0, 0), Self.offset(1, 100)]))
        #expect(machine.hasOpenTransaction == false)
        let redo = Self.batch(0, 0...1)
        #expect(machine.batchReceived(redo, now: start) == .beginAndProcess(redo))
    }

    /// A rewind seeks only the partitions that stay (during a revoke, the others are gone).
    @Test func anAbortRewindsOnlyThePartitionsKept() {
        var machine = machine()
        process(&machine, Self.batch(0, 3...4) + Self.batch(1, 7...8), at: start)
        let error = KafkaError(code: .queueFull, message: "local queue full", isRetriable: false)
        _ = machine.batchReceived(Self.batch(1, 9...9), now: start)
        _ = machine.processingFailed(machine.startProcessing(), error: error, now: start)
        #expect(machine.aborted(keeping: [TopicPartition("in", 1)]).1 == .rewind([Self.offset(1, 7)]))
    }

    @Test func atLeastOnceCannotTakeBackWhatItProducedSoItStops() {
        var machine = machine(.atLeastOnce)
        _ = machine.batchReceived(Self.batch(0, 0...4), now: start)
        let error = KafkaError(code: .queueFull, message: "x", isRetriable: false)
        #expect(
            machine.processingFailed(machine.startProcessing(), error: error, now: start) == .fail(.undelivered(error)))
    }

    /// Defect 5: an incremental assign while a transaction is open must not reset the machine:
    /// the transaction commits first, and the next batch begins a new one.
    @Test func aCooperativeAssignDuringAnOpenTransactionCommitsItFirst() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        #expect(
            machine.rebalanceReceived(.assign, now: start) == .sendOffsets([Self.offset(0, 5)], timeout: .seconds(5)))
        #expect(machine.offsetsSent(now: start) == .commitTransaction(timeout: .seconds(5)))
        let (committed, next) = machine.committed()
        #expect(committed.recordCount == 5 && next == .none)
        let batch = Self.batch(0, 5...6)
        #expect(machine.batchReceived(batch, now: start) == .beginAndProcess(batch))
    }

    @Test func revokeCommitsAndLostAbortsWithoutRewind() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        #expect(
            machine.rebalanceReceived(.revoke, now: start) == .sendOffsets([Self.offset(0, 5)], timeout: .seconds(5)))
        _ = machine.offsetsSent(now: start)
        _ = machine.committed()
        process(&machine, Self.batch(0, 5...6), at: start)
        #expect(machine.rebalanceReceived(.lost, now: start) == .abortTransaction(timeout: .seconds(5)))
        #expect(machine.aborted(keeping: Self.both).1 == .none, "lost: someone else owns them now")
        #expect(machine.rebalanceReceived(.revoke, now: start) == .none, "nothing open")
    }

    /// Defect 7: at-least-once never aborts (records in librdkafka's queue would still be
    /// delivered): losing partitions waits for the deliveries and commits no offsets.
    @Test func atLeastOnceLossDeliversAndCommitsNoOffsets() {
        var machine = machine(.atLeastOnce)
        process(&machine, Self.batch(0, 0...4), at: start)
        #expect(machine.rebalanceReceived(.lost, now: start) == .deliver(commitOffsets: [], timeout: Self.timeout))
        #expect(machine.committed().1 == .none)
    }

    /// Defect 7, at commit: a delivery report that failed (even a retriable one) stops the
    /// relay; rewinding would re-produce while librdkafka may still deliver the first copies.
    @Test func atLeastOnceDeliveryFailureAtCommitStops() {
        var machine = machine(.atLeastOnce)
        process(&machine, Self.batch(0, 0...4), at: start)
        let now = start + .milliseconds(100)
        #expect(machine.tick(now: now) == .deliver(commitOffsets: [Self.offset(0, 5)], timeout: Self.timeout))
        let error = KafkaError(code: .timedOut, message: "message timed out", isRetriable: true)
        #expect(machine.commitStepFailed(error, now: now) == .fail(.undelivered(error)))
    }

    /// Defect 6: a timed-out commit_transaction is resumed with the same call, never by sending
    /// the offsets again (librdkafka answers that with _CONFLICT), each time with half the time left.
    @Test func aTimedOutCommitIsResumedNotRestarted() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        _ = machine.offsetsSent(now: start + .seconds(1))
        let timedOut = KafkaError(code: .timedOut, message: "commit timed out", isRetriable: true)
        #expect(
            machine.commitStepFailed(timedOut, now: start + .seconds(2))
                == .commitTransaction(timeout: .milliseconds(4500)))
        #expect(
            machine.commitStepFailed(timedOut, now: start + .seconds(5)) == .commitTransaction(timeout: .seconds(3)))
        #expect(
            machine.commitStepFailed(timedOut, now: start + .seconds(10))
                == .commitTransaction(timeout: .milliseconds(500)), "never below half a second")
        #expect(machine.committed().0.recordCount == 5)
    }

    /// The review's case: the call times out *at* the deadline. Aborting then would only meet
    /// `_CONFLICT` (the commit is still in progress); the relay stops, and the restart's
    /// init_transactions aborts the open transaction.
    @Test func aCommitStillTimingOutAtTheDeadlineStopsTheRelayInsteadOfAborting() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        _ = machine.offsetsSent(now: start + .seconds(1))
        let timedOut = KafkaError(code: .timedOut, message: "commit timed out", isRetriable: true)
        #expect(
            machine.commitStepFailed(timedOut, now: start + .seconds(11))
                == .fail(.kafka(timedOut, during: "commit (commitTransaction), resumed until its deadline")))
    }

    @Test func sendOffsetsTimingOutIsResumedThenStops() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        let timedOut = KafkaError(code: .timedOut, message: "timed out", isRetriable: true)
        #expect(
            machine.commitStepFailed(timedOut, now: start + .seconds(2))
                == .sendOffsets([Self.offset(0, 5)], timeout: .milliseconds(4500)))
        #expect(
            machine.commitStepFailed(timedOut, now: start + .seconds(12))
                == .fail(.kafka(timedOut, during: "commit (sendOffsets), resumed until its deadline")))
    }

    @Test func abortableAndFatalCommitErrors() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        let abortable = KafkaError(code: .timedOut, message: "x", isRetriable: true, requiresAbort: true)
        // The abort keeps the commit's deadline (11 s) when that is later than its own (10 s).
        #expect(machine.commitStepFailed(abortable, now: start) == .abortTransaction(timeout: .milliseconds(5500)))
        #expect(machine.aborted(keeping: Self.both).1 == .rewind([Self.offset(0, 0)]))

        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        let fenced = KafkaError(code: .fenced, message: "fenced", isFatal: true)
        #expect(machine.commitStepFailed(fenced, now: start) == .fail(.kafka(fenced, during: "commit (sendOffsets)")))
    }

    @Test func anAbortThatTimesOutIsResumedUntilTheDeadline() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.rebalanceReceived(.lost, now: start)
        let timedOut = KafkaError(code: .timedOut, message: "x", isRetriable: true)
        #expect(
            machine.abortFailed(timedOut, now: start + .seconds(1)) == .abortTransaction(timeout: .milliseconds(4500)))
        #expect(
            machine.abortFailed(timedOut, now: start + .seconds(11))
                == .fail(.kafka(timedOut, during: "abort transaction")))

        var conflicted = self.machine()
        process(&conflicted, Self.batch(0, 0...4), at: start)
        _ = conflicted.rebalanceReceived(.lost, now: start)
        let conflict = KafkaError(code: .conflict, message: "another call in progress", isRetriable: true)
        #expect(
            conflicted.abortFailed(conflict, now: start) == .fail(.kafka(conflict, during: "abort transaction")),
            "no busy retry on _CONFLICT")
    }

    @Test func abortsInARowWithoutACommitStopTheRelay() {
        var machine = machine()
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        for round in 1...4 {
            process(&machine, Self.batch(0, 0...4), at: start)
            _ = machine.tick(now: start + .seconds(1))
            let action = machine.commitStepFailed(abortable, now: start + .seconds(1))
            if round <= 3 {
                #expect(action == .abortTransaction(timeout: .seconds(5)))
                _ = machine.aborted(keeping: Self.both)
            } else {
                #expect(action == .fail(.repeatedAborts(4, last: abortable)))
            }
        }
    }

    /// A lost partition's abort is no failure of the relay's own: it does not count towards
    /// the aborts in a row.
    @Test func anAbortAfterLostPartitionsDoesNotCountAsAFailure() {
        var machine = machine()
        for _ in 1...5 {
            process(&machine, Self.batch(0, 0...4), at: start)
            #expect(machine.rebalanceReceived(.lost, now: start) == .abortTransaction(timeout: .seconds(5)))
            _ = machine.aborted(keeping: [])
        }
    }

    @Test func drainCommitsThenCloses() {
        var machine = machine()
        #expect(machine.shutdownRequested(at: start, now: start) == .close, "idle: close at once")
        var draining = self.machine()
        process(&draining, Self.batch(0, 0...4), at: start)
        // The drain's deadline is its own (5 s), below the service's stop timeout; its commit
        // steps get the first 3.75 s, the last quarter is an abort's.
        #expect(
            draining.shutdownRequested(at: start, now: start)
                == .sendOffsets([Self.offset(0, 5)], timeout: .milliseconds(1875)))
        _ = draining.offsetsSent(now: start)
        #expect(draining.committed().1 == .close)
        #expect(draining.shutdownRequested(at: start, now: start) == .none, "closing already")
        draining.closed()
        guard case .stopped = draining.state else {
            Issue.record("expected stopped, got \(draining.state)")
            return
        }
    }

    @Test func aFailedDrainCommitAbortsThenCloses() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.shutdownRequested(at: start, now: start)
        let abortable = KafkaError(code: .timedOut, message: "x", requiresAbort: true)
        // The drain's deadline (5 s) holds for its abort too: the stop timeout does not grow.
        #expect(
            machine.commitStepFailed(abortable, now: start + .seconds(4))
                == .abortTransaction(timeout: .milliseconds(500)))
        let timedOut = KafkaError(code: .timedOut, message: "x", isRetriable: true)
        #expect(
            machine.abortFailed(timedOut, now: start + .seconds(6))
                == .fail(.kafka(timedOut, during: "abort transaction")))

        var again = self.machine()
        process(&again, Self.batch(0, 0...4), at: start)
        _ = again.shutdownRequested(at: start, now: start)
        _ = again.commitStepFailed(abortable, now: start)
        #expect(again.aborted(keeping: Self.both).1 == .close)
    }

    /// The drain's time counts from the stop request (the signal), not from when the loop first
    /// sees it: a loop busy with a rebalance's commit for 2 s has 1.75 s left of the drain's
    /// commit time (3.75 s of its 5).
    @Test func theDrainsDeadlineCountsFromTheStopRequest() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        let seen = start + .seconds(2)
        #expect(
            machine.shutdownRequested(at: start, now: seen)
                == .sendOffsets([Self.offset(0, 5)], timeout: .milliseconds(875)),
            "half of the 1.75 s left")
        let timedOut = KafkaError(code: .timedOut, message: "x", isRetriable: true)
        #expect(
            machine.commitStepFailed(timedOut, now: start + .milliseconds(3750))
                == .fail(.kafka(timedOut, during: "commit (sendOffsets), resumed until its deadline")),
            "3.75 s after the request, not after the loop saw it")
    }

    /// What the loop passes as the request's instant: the relay keeps the first one.
    @Test func theRelayKeepsTheFirstStopRequestsInstant() {
        let relay = Relay(
            configuration: RelayConfiguration(kafka: KafkaConfiguration([:])), logger: Logger(label: "test"))
        #expect(relay.stopRequestedAt == nil && !relay.isStopRequested)
        relay.requestStop(at: start)
        relay.requestStop(at: start + .seconds(3))
        #expect(relay.stopRequestedAt == start && relay.isStopRequested)
    }

    /// The first failure is the one the relay reports, whatever fails after it.
    @Test func aFailureIsKeptAcrossLaterOnes() {
        var machine = machine()
        let first = KafkaError(code: .fenced, message: "fenced", isFatal: true)
        #expect(machine.fail(.kafka(first, during: "x")) == .fail(.kafka(first, during: "x")))
        #expect(machine.fail(.restore(.stopped)) == .fail(.kafka(first, during: "x")))
        #expect(machine.shutdownRequested(at: start, now: start) == .none)
        #expect(machine.tick(now: start) == .none)
    }

    /// The test switch that abandons the relay stops it where it is, an open transaction included.
    @Test func anAbandonedRelayStopsWithItsTransactionOpen() {
        var machine = machine()
        process(&machine, Self.batch(0, 0...4), at: start)
        machine.abandoned()
        guard case .stopped = machine.state else {
            Issue.record("expected stopped, got \(machine.state)")
            return
        }
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
        let tooLarge = KafkaError(code: .messageSizeTooLarge, message: "too large")
        let (refused, _) = machine.aborted(keeping: [], rejections: [1: tooLarge])
        #expect(
            refused == [OpenTransaction.Refusal(source: SourceCoordinate(source), isDeadLetter: true, error: tooLarge)])
        _ = machine.batchReceived(Self.batch(0, 0...1), now: start)
        var second = machine.startProcessing()
        #expect(second.tagProduced(from: source, isDeadLetter: false) == 2)
        #expect(second.source(ofTag: 1) == nil, "a tag of the aborted transaction is not this one's")
    }

    /// A dead letter waits for its transaction's commit, and is its first step: produced before
    /// the offsets are sent, whatever started the commit (here its age, and a drain). A
    /// transaction without one sends its offsets first, as before.
    @Test(arguments: [false, true])
    func deferredDeadLettersAreTheCommitsFirstStep(draining: Bool) {
        var machine = machine(overlaps: true)
        _ = machine.batchReceived(Self.batch(0, 0...4), now: start)
        var transaction = machine.startProcessing()
        transaction.consumed(Self.batch(0, 0...4)[...])
        let letter = KafkaOutgoingMessage(topic: "dlq", key: nil, value: [1])
        let tag = transaction.tagProduced(from: Self.batch(0, 3...3)[0], isDeadLetter: true)
        transaction.deferDeadLetter(letter, tag: tag)
        #expect(machine.processed(transaction, now: start) == .none, "not due yet: nothing produced")
        let first =
            draining
            ? machine.shutdownRequested(at: start, now: start) : machine.tick(now: start + .milliseconds(100))
        #expect(first == .sendDeadLetters([OpenTransaction.HeldRecord(message: letter, tag: 0)]))
        #expect(!machine.isCommitOverlapping, "nothing goes on before the commit call")
        let then = draining ? start : start + .milliseconds(100)
        #expect(
            machine.deadLettersSent(now: then)
                == .sendOffsets([Self.offset(0, 5)], timeout: draining ? .milliseconds(1875) : .seconds(5)))
        _ = machine.offsetsSent(now: then)
        _ = machine.committed()
        if draining { return }
        // The next transaction starts with none deferred.
        process(&machine, Self.batch(0, 5...9), at: then)
        #expect(
            machine.tick(now: then + .milliseconds(100)) == .sendOffsets([Self.offset(0, 10)], timeout: .seconds(5)))
    }

    /// A deferred dead letter the broker refuses for good aborts the transaction, like a held
    /// record, and the redo knows to send it without its value.
    @Test func aRefusedDeferredDeadLetterAbortsAndTheRedoSendsItBare() {
        var machine = machine()
        let source = Self.batch(0, 2...2)[0]
        _ = machine.batchReceived(Self.batch(0, 0...4), now: start)
        var transaction = machine.startProcessing()
        transaction.consumed(Self.batch(0, 0...4)[...])
        let tag = transaction.tagProduced(from: source, isDeadLetter: true)
        transaction.deferDeadLetter(KafkaOutgoingMessage(topic: "dlq", key: nil, value: [1]), tag: tag)
        _ = machine.processed(transaction, now: start)
        guard case .sendDeadLetters = machine.tick(now: start + .seconds(1)) else {
            Issue.record("expected the dead letters first")
            return
        }
        let tooLarge = KafkaError(code: .messageSizeTooLarge, message: "too large")
        #expect(
            machine.deadLetterFailed(tooLarge, tag: tag, now: start + .seconds(1))
                == .abortTransaction(timeout: .seconds(5)))
        let (refused, next) = machine.aborted(keeping: Self.both)
        #expect(
            refused == [OpenTransaction.Refusal(source: SourceCoordinate(source), isDeadLetter: true, error: tooLarge)])
        #expect(next == .rewind([Self.offset(0, 0)]))
        _ = machine.batchReceived(Self.batch(0, 0...4), now: start + .seconds(2))
        let redo = machine.startProcessing()
        #expect(redo.refused[SourceCoordinate(source)]?.deadLetterRefused == true, "the redo omits its value")
        #expect(redo.deferredDeadLetters.isEmpty)
    }

    /// A fatal error producing a deferred dead letter stops the relay, as any fatal produce error does.
    @Test func aFatalErrorOfADeferredDeadLetterStops() {
        var machine = machine()
        _ = machine.batchReceived(Self.batch(0, 0...4), now: start)
        var transaction = machine.startProcessing()
        transaction.consumed(Self.batch(0, 0...4)[...])
        transaction.deferDeadLetter(KafkaOutgoingMessage(topic: "dlq", key: nil, value: [1]), tag: 0)
        _ = machine.processed(transaction, now: start)
        _ = machine.tick(now: start + .seconds(1))
        let fenced = KafkaError(code: .fenced, message: "fenced", isFatal: true)
        guard case .fail = machine.deadLetterFailed(fenced, tag: 0, now: start + .seconds(1)) else {
            Issue.record("a fatal error stops the relay")
            return
        }
    }

    /// A commit ends a run of aborts: only aborts *in a row* stop the relay.
    @Test func aCommitResetsTheAbortsInARow() {
        var machine = machine()
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        for _ in 1...3 {
            process(&machine, Self.batch(0, 0...4), at: start)
            _ = machine.tick(now: start + .seconds(1))
            _ = machine.commitStepFailed(abortable, now: start + .seconds(1))
            _ = machine.aborted(keeping: Self.both)
        }
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: start + .seconds(1))
        _ = machine.offsetsSent(now: start + .seconds(1))
        _ = machine.committed()
        process(&machine, Self.batch(0, 5...9), at: start)
        _ = machine.tick(now: start + .seconds(1))
        #expect(
            machine.commitStepFailed(abortable, now: start + .seconds(1)) == .abortTransaction(timeout: .seconds(5)))
    }

    @Test func deliveryTagsGoOnAfterACommit() {
        var machine = machine()
        let source = Self.batch(0, 0...0)[0]
        _ = machine.batchReceived(Self.batch(0, 0...1), now: start)
        var first = machine.startProcessing()
        #expect(first.tagProduced(from: source, isDeadLetter: false) == 0)
        _ = machine.processed(first, now: start)
        _ = machine.tick(now: start + .seconds(1))
        _ = machine.offsetsSent(now: start + .seconds(1))
        _ = machine.committed()
        _ = machine.batchReceived(Self.batch(0, 2...3), now: start)
        var second = machine.startProcessing()
        #expect(second.tagProduced(from: source, isDeadLetter: false) == 1, "tag 0 was the committed transaction's")
    }

    /// A fatal produce error stops the relay in both modes: no abort can mend a fenced producer.
    @Test func aFatalProduceErrorStopsTheRelayInBothModes() {
        let fenced = KafkaError(code: .fenced, message: "fenced", isFatal: true)
        for delivery in [RelayConfiguration.Delivery.exactlyOnce, .atLeastOnce] {
            var machine = machine(delivery)
            _ = machine.batchReceived(Self.batch(0, 0...4), now: start)
            #expect(
                machine.processingFailed(machine.startProcessing(), error: fenced, now: start)
                    == .fail(.kafka(fenced, during: "produce")), "\(delivery)")
        }
    }

    @Test func aFailedBeginStopsTheRelay() {
        var machine = machine()
        let error = KafkaError(code: .state, message: "erroneous state")
        _ = machine.batchReceived(Self.batch(0, 0...1), now: start)
        #expect(machine.beginFailed(error) == .fail(.kafka(error, during: "begin transaction")))
    }

    @Test func atLeastOnceDrainDeliversCommitsThenCloses() {
        var machine = machine(.atLeastOnce)
        process(&machine, Self.batch(0, 0...4), at: start)
        #expect(
            machine.shutdownRequested(at: start, now: start)
                == .deliver(commitOffsets: [Self.offset(0, 5)], timeout: .seconds(5)))
        #expect(machine.committed().1 == .close)
    }

    @Test func atLeastOnceRevokeDeliversAndCommitsItsOffsets() {
        var machine = machine(.atLeastOnce)
        process(&machine, Self.batch(0, 0...4), at: start)
        #expect(
            machine.rebalanceReceived(.revoke, now: start)
                == .deliver(commitOffsets: [Self.offset(0, 5)], timeout: Self.timeout))
    }

    /// A resumed abort still ends as the abort it resumed: a drain closes, a loss drops.
    @Test func aResumedAbortEndsAsItsCauseSays() {
        let timedOut = KafkaError(code: .timedOut, message: "x", isRetriable: true)
        var draining = machine()
        process(&draining, Self.batch(0, 0...4), at: start)
        _ = draining.shutdownRequested(at: start, now: start)
        _ = draining.commitStepFailed(KafkaError(code: .timedOut, message: "x", requiresAbort: true), now: start)
        #expect(draining.abortFailed(timedOut, now: start + .seconds(1)) == .abortTransaction(timeout: .seconds(2)))
        #expect(draining.aborted(keeping: Self.both).1 == .close)

        var losing = machine()
        process(&losing, Self.batch(0, 0...4), at: start)
        _ = losing.rebalanceReceived(.lost, now: start)
        _ = losing.abortFailed(timedOut, now: start + .seconds(1))
        #expect(losing.aborted(keeping: Self.both).1 == .none)
    }

    // MARK: - What a transaction leaves behind (issue 25)

    static let running = PublishedState(status: .running, canonicalBytes: Array("r".utf8))
    static let done = PublishedState(status: .done, canonicalBytes: Array("d".utf8))

    /// The changes a test transaction makes to the table: a publish of "a" and a tombstone of "b".
    static var changes: PendingChanges {
        var changes = PendingChanges()
        changes.jobs.recordPublish("a", running, source: SourcePosition(topicIndex: 0, partition: 0, offset: 1))
        changes.jobs.recordTombstone("b", at: 7)
        return changes
    }

    /// Processes `batch` as the loop does, making ``changes`` in the transaction.
    func processWithChanges(_ machine: inout RelayStateMachine, _ batch: [KafkaMessage]) {
        _ = machine.batchReceived(batch, now: start)
        var transaction = machine.startProcessing()
        #expect(transaction.pending == PendingChanges(), "a transaction starts with no changes")
        for run in batch.partitionRuns { transaction.consumed(batch[run]) }
        transaction.pending = Self.changes
        _ = machine.processed(transaction, now: start)
    }

    /// An abort drops the transaction's table changes (publishes and tombstones): they never reach
    /// the relay, and the redo starts without them. A commit hands them over, once: the next
    /// transaction starts without them too, and the table holds them exactly once.
    @Test func anAbortDropsTheTableChangesACommitHandsThemOverOnce() {
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        var machine = machine()
        var table = DedupTable()
        table.restore("b", Self.done, timestamp: 1)
        processWithChanges(&machine, Self.batch(0, 0...1))
        _ = machine.tick(now: start + .seconds(1))
        #expect(
            machine.commitStepFailed(abortable, now: start + .seconds(1)) == .abortTransaction(timeout: .seconds(5)))
        let (refused, rewind) = machine.aborted(keeping: Self.both)
        #expect(refused.isEmpty && rewind == .rewind([Self.offset(0, 0)]))
        guard case .running(let handover) = machine.state else {
            Issue.record("expected running, got \(machine.state)")
            return
        }
        #expect(handover == OpenTransaction.Handover(expectedPublishes: 1), "nothing of its changes is left")

        processWithChanges(&machine, Self.batch(0, 0...1))  // the redo: expects no changes at its start
        #expect(machine.tick(now: start + .seconds(1)) == .sendOffsets([Self.offset(0, 2)], timeout: .seconds(5)))
        #expect(machine.offsetsSent(now: start + .seconds(1)) == .commitTransaction(timeout: .seconds(5)))
        let (committed, next) = machine.committed()
        #expect(committed.pending == Self.changes && next == .none)
        table.apply(committed.pending.jobs)
        #expect(table.committed("a") == Self.running && table.committed("b") == nil && table.recentlyFinishedCount == 1)

        let batch = Self.batch(0, 2...3)
        #expect(machine.batchReceived(batch, now: start) == .beginAndProcess(batch))
        #expect(machine.startProcessing().pending == PendingChanges(), "the commit's changes are not handed on")
    }

    /// Tombstones written in a transaction are table changes: an abort drops them (the sweep finds
    /// those jobs again). The ones it had no room for stay due, whatever its end, and the next
    /// transaction writes them.
    @Test func unwrittenTombstonesOutliveTheTransactionWrittenOnesAreDroppedByAnAbort() {
        var machine = machine()
        #expect(machine.tombstonesDue(["a", "b", "c"], now: start) == .beginAndProcess([]))
        var transaction = machine.startProcessing()
        #expect(transaction.dueTombstones == ["a", "b", "c"])
        transaction.dueTombstones.removeFirst()
        transaction.pending.jobs.recordTombstone("a", at: 1)
        _ = machine.processed(transaction, now: start)
        #expect(machine.rebalanceReceived(.lost, now: start) == .abortTransaction(timeout: .seconds(5)))
        #expect(machine.aborted(keeping: []).1 == .none)
        #expect(machine.dueTombstones == ["b", "c"], "a is dropped with the abort, b and c stay due")

        #expect(machine.tombstonesDue([], now: start) == .beginAndProcess([]), "due ones open a transaction")
        transaction = machine.startProcessing()
        #expect(transaction.dueTombstones == ["b", "c"] && transaction.pending == PendingChanges())
        transaction.dueTombstones.removeFirst()
        transaction.pending.jobs.recordTombstone("b", at: 2)
        _ = machine.processed(transaction, now: start)
        _ = machine.shutdownRequested(at: start + .seconds(1), now: start + .seconds(1))
        _ = machine.offsetsSent(now: start + .seconds(1))
        let (committed, _) = machine.committed()
        var tombstoned = DedupTable.Pending()
        tombstoned.recordTombstone("b", at: 2)
        #expect(committed.pending.jobs == tombstoned && committed.dueTombstones == ["c"])

        var again = self.machine()
        _ = again.tombstonesDue(["a", "b"], now: start)
        transaction = again.startProcessing()
        transaction.dueTombstones.removeFirst()
        _ = again.processed(transaction, now: start)
        _ = again.tick(now: start + .seconds(1))
        _ = again.offsetsSent(now: start + .seconds(1))
        _ = again.committed()
        #expect(again.dueTombstones == ["b"], "after a commit too")
    }

    /// A record the broker refused for good in an aborted transaction is known to every
    /// transaction after it (they dead-letter it), through further aborts, until a commit moves
    /// its partition past it.
    @Test func refusalsOutliveAbortsUntilACommitPassesThem() {
        let tooLarge = KafkaError(code: .messageSizeTooLarge, message: "too large")
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        let batch = Self.batch(0, 0...1) + Self.batch(1, 5...5)
        var machine = machine()
        func abort(tagging source: KafkaMessage?, deadLetter: Bool = false) -> [OpenTransaction.Refusal] {
            _ = machine.batchReceived(batch, now: start)
            var transaction = machine.startProcessing()
            for run in batch.partitionRuns { transaction.consumed(batch[run]) }
            let tag = source.map { transaction.tagProduced(from: $0, isDeadLetter: deadLetter) }
            _ = machine.processed(transaction, now: start)
            _ = machine.tick(now: start + .seconds(1))
            _ = machine.commitStepFailed(abortable, now: start + .seconds(1))
            return machine.aborted(keeping: Self.both, rejections: tag.map { [$0: tooLarge] } ?? [:]).refused
        }
        let first = SourceCoordinate(batch[1])
        let other = SourceCoordinate(batch[2])
        #expect(abort(tagging: batch[1]) == [.init(source: first, isDeadLetter: false, error: tooLarge)])
        #expect(
            abort(tagging: batch[2], deadLetter: true) == [.init(source: other, isDeadLetter: true, error: tooLarge)])
        #expect(abort(tagging: nil).isEmpty)
        _ = machine.batchReceived(batch, now: start)
        var transaction = machine.startProcessing()
        #expect(
            transaction.refused == [
                first: RefusedOutput(deadLetterRefused: false, error: tooLarge),
                other: RefusedOutput(deadLetterRefused: true, error: tooLarge),
            ], "kept through three aborts")
        transaction.consumed(batch[0...1])  // partition 0 only: its offset moves past `first`
        _ = machine.processed(transaction, now: start)
        _ = machine.tick(now: start + .seconds(1))
        _ = machine.offsetsSent(now: start + .seconds(1))
        _ = machine.committed()
        _ = machine.batchReceived(batch, now: start)
        #expect(
            machine.startProcessing().refused == [other: RefusedOutput(deadLetterRefused: true, error: tooLarge)],
            "the commit passed the first, not the other")
    }

    // MARK: - Commits that overlap the next batches (issue 26)

    static let output = KafkaOutgoingMessage(topic: "out", key: Array("j".utf8), value: Array("v".utf8))

    /// A machine whose transaction of `first` commits in the background (started at `now`).
    func overlappingCommit(
        of first: [KafkaMessage], at now: ContinuousClock.Instant, maxRecords: Int = 1000
    ) -> RelayStateMachine {
        var machine = machine(maxRecords: maxRecords, overlaps: true)
        let full = process(&machine, first, at: start)
        let ends = Dictionary(first.map { ($0.topicPartition, $0.offset.rawValue + 1) }, uniquingKeysWith: max)
            .map { TopicPartitionOffset($0.key, KafkaOffset(rawValue: $0.value)) }
            .sorted { $0.topicPartition < $1.topicPartition }
        #expect((full == .none ? machine.tick(now: now) : full) == .sendOffsets(ends, timeout: .seconds(5)))
        #expect(machine.offsetsSent(now: now) == .startCommitTransaction(timeout: .seconds(5)))
        #expect(machine.isCommitOverlapping)
        return machine
    }

    /// Judges `batch` into the next transaction while the commit runs; each record's output is
    /// held (its tag after `firstTag`). Returns what the machine says after the batch.
    func judgeDuringCommit(
        _ machine: inout RelayStateMachine, _ batch: [KafkaMessage], at now: ContinuousClock.Instant
    ) -> (RelayStateMachine.Action, held: [OpenTransaction.HeldRecord]) {
        #expect(machine.batchReceived(batch, now: now) == .process(batch))
        var transaction = machine.startProcessing()
        #expect(transaction.holdsRecords)
        var held: [OpenTransaction.HeldRecord] = []
        for run in batch.partitionRuns {
            for message in batch[run] {
                let tag = transaction.tagProduced(from: message, isDeadLetter: false)
                let isHeld = transaction.hold(Self.output, tag: tag)
                #expect(isHeld)
                held.append(.init(message: Self.output, tag: tag))
            }
            transaction.consumed(batch[run])
        }
        return (machine.processed(transaction, now: now), held)
    }

    /// While N commits, N+1 is fetched and judged, its records held; N commits, N+1 begins and
    /// produces them, then commits in its turn.
    @Test func aCommitOverlapsTheNextBatchThenBothCommitInOrder() {
        let now = start + .milliseconds(100)
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        let (afterBatch, held) = judgeDuringCommit(&machine, Self.batch(0, 5...9), at: now)
        #expect(afterBatch == .none, "not full: the relay goes on while the commit runs")
        #expect(machine.tick(now: now + .seconds(1)) == .none, "the next one commits after it began")
        #expect(held.map(\.tag) == [0, 1, 2, 3, 4])

        let (first, begin) = machine.committed()
        #expect(first.commitOffsets == [Self.offset(0, 5)])
        #expect(begin == .beginAndSend(held), "N+1 begins and produces what it held, in order")
        #expect(
            machine.heldRecordsSent(now: now + .seconds(1)) == .sendOffsets([Self.offset(0, 10)], timeout: .seconds(5)))
        #expect(machine.offsetsSent(now: now + .seconds(1)) == .startCommitTransaction(timeout: .seconds(5)))
        let (second, after) = machine.committed()
        #expect(second.commitOffsets == [Self.offset(0, 10)] && second.firstTag == 0 && second.nextTag == 5)
        #expect(after == .none && machine.isIdle)
        let batch = Self.batch(0, 10...10)
        #expect(machine.batchReceived(batch, now: now) == .beginAndProcess(batch))
        #expect(machine.startProcessing().firstTag == 5, "tags go on after the held ones")
    }

    /// A full next transaction waits for the commit; a commit that times out while the relay goes
    /// on is resumed in the background, and waited for once someone waits.
    @Test func aFullNextTransactionWaitsForTheCommit() {
        let now = start
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now, maxRecords: 5)
        let timedOut = KafkaError(code: .timedOut, message: "commit timed out", isRetriable: true)
        #expect(
            machine.commitStepFailed(timedOut, now: now) == .startCommitTransaction(timeout: .seconds(5)),
            "resumed, still in the background")
        let (full, held) = judgeDuringCommit(&machine, Self.batch(1, 0...4), at: now)
        #expect(full == .awaitCommit)
        #expect(machine.commitStepFailed(timedOut, now: now) == .commitTransaction(timeout: .seconds(5)))
        #expect(machine.committed().1 == .beginAndSend(held))
        #expect(machine.heldRecordsSent(now: now) == .sendOffsets([Self.offset(1, 5)], timeout: .seconds(5)), "full")
    }

    /// N's commit fails and aborts while N+1 was judged: N+1 is dropped too (it produced nothing,
    /// but judged against N's changes), the rewind goes to the lower start of the two per
    /// partition, refusals are traced through N's tags, and no tag is used twice.
    @Test func anAbortedCommitDropsTheNextTransactionAndRewindsToTheEarlierStart() {
        let now = start + .milliseconds(100)
        let first = Self.batch(0, 3...4)
        var machine = machine(overlaps: true)
        _ = machine.batchReceived(first, now: start)
        var transaction = machine.startProcessing()
        transaction.consumed(first[...])
        let tags = first.map { transaction.tagProduced(from: $0, isDeadLetter: false) }
        transaction.pending.jobs.recordPublish("a", Self.running)
        _ = machine.processed(transaction, now: start)
        _ = machine.tick(now: now)
        #expect(machine.offsetsSent(now: now) == .startCommitTransaction(timeout: .seconds(5)))
        let (_, held) = judgeDuringCommit(&machine, Self.batch(0, 5...6) + Self.batch(1, 20...21), at: now)
        #expect(held.map(\.tag) == [2, 3, 4, 5])

        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        #expect(machine.commitStepFailed(abortable, now: now) == .abortTransaction(timeout: .seconds(5)))
        let tooLarge = KafkaError(code: .messageSizeTooLarge, message: "too large")
        let (refused, rewind) = machine.aborted(keeping: Self.both, rejections: [tags[1]: tooLarge])
        #expect(rewind == .rewind([Self.offset(0, 3), Self.offset(1, 20)]))
        let source = SourceCoordinate(first[1])
        #expect(refused == [.init(source: source, isDeadLetter: false, error: tooLarge)])
        guard case .running(let handover) = machine.state else {
            Issue.record("expected running, got \(machine.state)")
            return
        }
        #expect(
            handover
                == OpenTransaction.Handover(
                    nextTag: 6, refused: [source: RefusedOutput(deadLetterRefused: false, error: tooLarge)],
                    expectedPublishes: 1))
        let redo = Self.batch(0, 3...4)
        #expect(machine.batchReceived(redo, now: now) == .beginAndProcess(redo))
        let again = machine.startProcessing()
        #expect(again.pending == PendingChanges() && !again.holdsRecords, "neither transaction's changes are left")
    }

    /// A revoke during an overlapping commit waits for its end; then the next transaction begins,
    /// produces what it held and commits (waited for) before the partitions go. A loss waits
    /// too, then drops the next transaction, which produced nothing.
    @Test func aRebalanceDuringAnOverlappingCommitWaitsThenCommitsOrDropsTheNext() {
        let now = start + .milliseconds(100)
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        let (_, held) = judgeDuringCommit(&machine, Self.batch(0, 5...6), at: now)
        #expect(machine.rebalanceReceived(.revoke, now: now) == .awaitCommit)
        #expect(machine.committed().1 == .beginAndSend(held))
        #expect(machine.heldRecordsSent(now: now) == .sendOffsets([Self.offset(0, 7)], timeout: .seconds(5)))
        #expect(machine.offsetsSent(now: now) == .commitTransaction(timeout: .seconds(5)), "a rebalance waits")
        #expect(machine.committed().1 == .none && machine.isIdle)

        var losing = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        _ = judgeDuringCommit(&losing, Self.batch(0, 5...6), at: now)
        #expect(losing.rebalanceReceived(.lost, now: now) == .awaitCommit)
        #expect(losing.committed().1 == .none, "lost: the next transaction is dropped, nothing to rewind")
        guard case .running(let handover) = losing.state else {
            Issue.record("expected running, got \(losing.state)")
            return
        }
        #expect(handover == OpenTransaction.Handover(nextTag: 2))

        var failing = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        _ = judgeDuringCommit(&failing, Self.batch(0, 5...6), at: now)
        #expect(failing.rebalanceReceived(.revoke, now: now) == .awaitCommit)
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        #expect(failing.commitStepFailed(abortable, now: now) == .abortTransaction(timeout: .seconds(5)))
        #expect(
            failing.aborted(keeping: [TopicPartition("in", 0)]).1 == .rewind([Self.offset(0, 0)]),
            "the partitions that stay go back to the committing transaction's start")
    }

    /// A stop during an overlapping commit waits for its end; the next transaction then commits
    /// within the drain's time, and the relay closes. If the commit aborts, both are dropped and
    /// the relay closes.
    @Test func aShutdownDuringAnOverlappingCommitCommitsBothThenCloses() {
        let now = start + .milliseconds(100)
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        let (_, held) = judgeDuringCommit(&machine, Self.batch(0, 5...6), at: now)
        #expect(machine.shutdownRequested(at: now, now: now) == .awaitCommit)
        #expect(machine.committed().1 == .beginAndSend(held))
        #expect(
            machine.heldRecordsSent(now: now) == .sendOffsets([Self.offset(0, 7)], timeout: .milliseconds(1875)),
            "the drain's commit time")
        #expect(machine.offsetsSent(now: now) == .commitTransaction(timeout: .milliseconds(1875)))
        #expect(machine.committed().1 == .close)

        var idle = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        #expect(idle.shutdownRequested(at: now, now: now) == .awaitCommit)
        #expect(idle.committed().1 == .close, "no next transaction: close at once")

        var failing = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        _ = judgeDuringCommit(&failing, Self.batch(0, 5...6), at: now)
        #expect(failing.shutdownRequested(at: now, now: now) == .awaitCommit)
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        #expect(
            failing.commitStepFailed(abortable, now: now) == .abortTransaction(timeout: .milliseconds(2500)),
            "within the drain's time")
        #expect(failing.aborted(keeping: Self.both).1 == .close)
    }

    /// A stop during an overlapping commit that ends late: the next transaction commits within
    /// what is left of `drain-timeout` from the stop, not within a `drain-timeout` of its own;
    /// the overlapping commit, resumed or aborted, keeps to that deadline too.
    @Test func aDrainThatWaitsForAnOverlappingCommitKeepsItsFirstDeadline() {
        let now = start + .milliseconds(100)
        let timedOut = KafkaError(code: .timedOut, message: "commit timed out", isRetriable: true)
        let pastDeadline = RelayStateMachine.Action.fail(
            .kafka(timedOut, during: "commit (commitTransaction), resumed until its deadline"))
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        let (_, held) = judgeDuringCommit(&machine, Self.batch(0, 5...6), at: now)
        #expect(machine.shutdownRequested(at: now, now: now) == .awaitCommit)
        let late = now + .seconds(2)
        #expect(machine.committed().1 == .beginAndSend(held))
        #expect(
            machine.heldRecordsSent(now: late) == .sendOffsets([Self.offset(0, 7)], timeout: .milliseconds(875)),
            "1.75 s left of the drain's commit time (3.75 s of its 5): half of it")
        #expect(machine.offsetsSent(now: late) == .commitTransaction(timeout: .milliseconds(875)))
        #expect(machine.commitStepFailed(timedOut, now: now + .seconds(5)) == pastDeadline)

        var resumed = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        _ = judgeDuringCommit(&resumed, Self.batch(0, 5...6), at: now)
        #expect(resumed.shutdownRequested(at: now, now: now) == .awaitCommit)
        #expect(resumed.commitStepFailed(timedOut, now: late) == .commitTransaction(timeout: .milliseconds(875)))
        #expect(resumed.commitStepFailed(timedOut, now: now + .seconds(5)) == pastDeadline, "not its own 10 s")

        var aborting = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        _ = judgeDuringCommit(&aborting, Self.batch(0, 5...6), at: now)
        #expect(aborting.shutdownRequested(at: now, now: now) == .awaitCommit)
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        #expect(
            aborting.commitStepFailed(abortable, now: late) == .abortTransaction(timeout: .milliseconds(1500)),
            "the abort has the drain's time to its end")
    }

    /// A drain's abort gets the drain's time to its end, not what the failed commit had left: an
    /// overlapping commit that began long before the stop has its own, earlier deadline, and its
    /// abortable failure near it left the abort only the 500 ms floor (the relay then failed,
    /// exit 1, on a graceful stop). The drain's own commit steps end a quarter before its end,
    /// so an abort after them has at least that quarter.
    @Test func aDrainsAbortGetsTheDrainsTimeNotTheCommits() {
        let now = start + .milliseconds(100)
        let abortable = KafkaError(code: .invalidTransactionState, message: "x", requiresAbort: true)
        let timedOut = KafkaError(code: .timedOut, message: "x", isRetriable: true)
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        let stop = now + .seconds(7)
        #expect(machine.shutdownRequested(at: stop, now: stop) == .awaitCommit)
        #expect(
            machine.commitStepFailed(abortable, now: now + .milliseconds(9500))
                == .abortTransaction(timeout: .milliseconds(1250)),
            "2.5 s left of the drain (it ends 5 s after the stop), not 0.5 s of the commit's 10")
        #expect(
            machine.abortFailed(timedOut, now: now + .milliseconds(10_500))
                == .abortTransaction(timeout: .milliseconds(750)),
            "past the commit's deadline, within the drain's")
        #expect(machine.aborted(keeping: Self.both).1 == .close)

        var draining = self.machine()
        process(&draining, Self.batch(0, 0...4), at: start)
        _ = draining.shutdownRequested(at: start, now: start)
        #expect(
            draining.commitStepFailed(timedOut, now: start + .milliseconds(3500))
                == .sendOffsets([Self.offset(0, 5)], timeout: .milliseconds(500)))
        #expect(
            draining.commitStepFailed(abortable, now: start + .milliseconds(3700))
                == .abortTransaction(timeout: .milliseconds(650)),
            "the commit steps end with the drain's first three quarters: an abort has at least the last")
        #expect(draining.aborted(keeping: Self.both).1 == .close)

        var late = self.machine()
        process(&late, Self.batch(0, 0...4), at: start)
        _ = late.shutdownRequested(at: start, now: start)
        #expect(
            late.commitStepFailed(timedOut, now: start + .milliseconds(3750))
                == .fail(.kafka(timedOut, during: "commit (sendOffsets), resumed until its deadline")),
            "a commit still timing out then stops the relay (the restart's init_transactions aborts it)")
    }

    /// A drain whose commit time is over does not start a commit step it has no time for (the
    /// 500 ms floor of each step ran past the drain by a second): it aborts what is open, in the
    /// drain's last quarter, and closes. Nothing is lost: the offsets were not committed, and the
    /// next owner (or the restart) redoes the records.
    @Test func aDrainWithNoCommitTimeLeftAbortsWhatIsOpen() {
        let now = start + .milliseconds(100)
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        let (_, held) = judgeDuringCommit(&machine, Self.batch(0, 5...6), at: now)
        #expect(machine.shutdownRequested(at: now, now: now) == .awaitCommit)
        #expect(machine.committed().1 == .beginAndSend(held), "the overlapping commit ended late")
        #expect(
            machine.heldRecordsSent(now: now + .milliseconds(3800)) == .abortTransaction(timeout: .milliseconds(600)),
            "past the drain's 3.75 s of commit time: abort in what is left of its 5")
        let (refused, closes) = machine.aborted(keeping: Self.both)
        #expect(refused.isEmpty && closes == .close)

        var seenLate = self.machine()
        process(&seenLate, Self.batch(0, 0...4), at: start)
        #expect(
            seenLate.shutdownRequested(at: start, now: start + .seconds(4))
                == .abortTransaction(timeout: .milliseconds(500)),
            "the loop saw the stop 4 s after it")
        #expect(seenLate.aborted(keeping: Self.both).1 == .close)

        var offsetsLate = self.machine()
        process(&offsetsLate, Self.batch(0, 0...4), at: start)
        _ = offsetsLate.shutdownRequested(at: start, now: start)
        #expect(
            offsetsLate.offsetsSent(now: start + .milliseconds(3900)) == .abortTransaction(timeout: .milliseconds(550)),
            "the offsets were sent too late to commit")
        #expect(offsetsLate.aborted(keeping: Self.both).1 == .close)
    }

    /// The loop hands a rebalance polled together with the commit's end to the machine first: a
    /// loss then drops the next transaction. Seen after the commit's end, the next transaction
    /// would have begun and, once its own commit overlaps, commit after the loss.
    @Test func aLossPolledWithTheCommitsEndDropsTheNextTransaction() {
        let now = start + .milliseconds(100)
        var machine = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        _ = judgeDuringCommit(&machine, Self.batch(0, 5...6), at: now)
        #expect(machine.rebalanceReceived(.lost, now: now) == .awaitCommit)
        let (committed, after) = machine.committed()
        #expect(committed.commitOffsets == [Self.offset(0, 5)] && after == .none)
        #expect(machine.isIdle, "the next transaction is dropped: it produced nothing")

        let later = now + .seconds(1)
        var late = overlappingCommit(of: Self.batch(0, 0...4), at: now)
        let (_, held) = judgeDuringCommit(&late, Self.batch(0, 5...6), at: now)
        #expect(late.committed().1 == .beginAndSend(held))
        #expect(late.heldRecordsSent(now: later) == .sendOffsets([Self.offset(0, 7)], timeout: .seconds(5)))
        #expect(late.offsetsSent(now: later) == .startCommitTransaction(timeout: .seconds(5)))
        #expect(late.rebalanceReceived(.lost, now: later) == .awaitCommit)
        #expect(late.committed().1 == .none, "why the order matters: this one committed after the loss")
    }

    /// Judging N+1 reads the table through N's changes while N commits: a record N published,
    /// seen again, is a duplicate; once N committed, the table says so itself.
    @Test func judgingTheNextBatchSeesTheCommittingTransactionsChanges() {
        let classifier = RecordClassifier(decoding: .default, ordering: .lifecycle, keyMismatch: .warn)
        func event(_ offset: Int64) -> KafkaMessage {
            KafkaMessage(
                topicPartition: TopicPartition("in", 0), offset: KafkaOffset(rawValue: offset),
                key: Array("j1".utf8), value: Array(#"{"job_id":"j1","status":"RUNNING","status_msg":"m"}"#.utf8))
        }
        var table = DedupTable()
        var machine = machine(overlaps: true)
        _ = machine.batchReceived([event(0)], now: start)
        var transaction = machine.startProcessing()
        guard
            case .publish(let jobID, _, let state) = classifier.classify(
                event(0), table: table, pending: transaction.pending.jobs
            ).outcome
        else {
            Issue.record("the first record publishes")
            return
        }
        transaction.pending.jobs.recordPublish(jobID, state)
        transaction.consumed(event(0))
        _ = machine.processed(transaction, now: start)
        _ = machine.tick(now: start + .seconds(1))
        #expect(machine.offsetsSent(now: start + .seconds(1)) == .startCommitTransaction(timeout: .seconds(5)))

        #expect(machine.batchReceived([event(1)], now: start + .seconds(1)) == .process([event(1)]))
        var next = machine.startProcessing()
        guard case .drop(let reason) = classifier.classify(event(1), table: table, pending: next.pending.jobs).outcome
        else {
            Issue.record("a copy of what the committing transaction published must not publish again")
            return
        }
        #expect(reason == .duplicate)
        #expect(next.pending.jobs.isEmpty, "the committing changes are read, not taken over")
        next.consumed(event(1))
        _ = machine.processed(next, now: start + .seconds(1))
        let (committed, begin) = machine.committed()
        #expect(begin == .beginAndSend([]))
        table.apply(committed.pending.jobs)
        _ = machine.heldRecordsSent(now: start + .seconds(1))
        let open = machine.startProcessing()
        #expect(open.pending == PendingChanges(), "begun: the table holds the committed layer now")
        guard case .drop(.duplicate) = classifier.classify(event(2), table: table, pending: open.pending.jobs).outcome
        else {
            Issue.record("the table holds what committed")
            return
        }
    }

    // MARK: - At-least-once: the wait for delivery overlaps the next batches

    /// An at-least-once machine whose transaction of `first` waits for its delivery in the
    /// background (started at `now`), and the next batch judged meanwhile, its records produced
    /// at once (not held).
    func overlappingDelivery(
        of first: [KafkaMessage], then next: [KafkaMessage], at now: ContinuousClock.Instant, maxRecords: Int = 1000
    ) -> (RelayStateMachine, RelayStateMachine.Action) {
        var machine = machine(.atLeastOnce, maxRecords: maxRecords, overlaps: true)
        let full = process(&machine, first, at: start)
        #expect(
            (full == .none ? machine.tick(now: now) : full)
                == .startDelivery(commitOffsets: [Self.offset(0, 5)], timeout: Self.timeout))
        #expect(machine.isCommitOverlapping)
        #expect(machine.batchReceived(next, now: now) == .process(next))
        var transaction = machine.startProcessing()
        #expect(!transaction.holdsRecords)
        #expect(transaction.isJudgedDuringCommit, "no tombstones: they would carry the offsets before N's")
        for message in next {
            let tag = transaction.tagProduced(from: message, isDeadLetter: false)
            let isHeld = transaction.hold(Self.output, tag: tag)
            #expect(!isHeld, "produced at once: nothing to hold it for")
        }
        for run in next.partitionRuns { transaction.consumed(next[run]) }
        let afterBatch = machine.processed(transaction, now: now)
        return (machine, afterBatch)
    }

    /// While N's records are delivered, N+1 is fetched, judged and produced; N's offsets are
    /// committed when its delivery ends, then N+1's when its own does.
    @Test func atLeastOnceTheWaitForDeliveryOverlapsTheNextBatch() {
        let now = start + .milliseconds(100)
        var (machine, afterBatch) = overlappingDelivery(of: Self.batch(0, 0...4), then: Self.batch(0, 5...9), at: now)
        #expect(afterBatch == .none, "not full: the relay goes on while N is delivered")
        #expect(machine.tick(now: now + .seconds(1)) == .none, "N+1 waits for N's delivery")
        let (first, resume) = machine.committed()
        #expect(first.commitOffsets == [Self.offset(0, 5)])
        #expect(resume == .beginAndSend([]), "nothing held, no transaction to begin")
        guard case .sending(let begun, _) = machine.state else {
            Issue.record("expected sending, got \(machine.state)")
            return
        }
        #expect(!begun.isJudgedDuringCommit, "N committed: N+1 writes tombstones from here on")
        #expect(
            machine.heldRecordsSent(now: now + .milliseconds(100))
                == .startDelivery(commitOffsets: [Self.offset(0, 10)], timeout: Self.timeout),
            "N+1 is due: its delivery overlaps in its turn")
        let (second, after) = machine.committed()
        #expect(second.commitOffsets == [Self.offset(0, 10)] && second.firstTag == 0 && second.nextTag == 5)
        #expect(after == .none && machine.isIdle)
    }

    /// A produce error in N+1 while N is delivered stops the relay, as it does outside the
    /// overlap (what was produced stands), and so does a failed delivery of N.
    @Test func atLeastOnceFailuresDuringTheOverlapStop() {
        let now = start + .milliseconds(100)
        var machine = machine(.atLeastOnce, overlaps: true)
        process(&machine, Self.batch(0, 0...4), at: start)
        _ = machine.tick(now: now)
        let next = Self.batch(0, 5...9)
        _ = machine.batchReceived(next, now: now)
        let transaction = machine.startProcessing()
        let error = KafkaError(code: .unknownTopicOrPartition, message: "gone")
        #expect(machine.processingFailed(transaction, error: error, now: now) == .fail(.undelivered(error)))

        var (failing, _) = overlappingDelivery(of: Self.batch(0, 0...4), then: next, at: now)
        let timedOut = KafkaError(code: .timedOut, message: "message timed out", isRetriable: true)
        #expect(failing.commitStepFailed(timedOut, now: now) == .fail(.undelivered(timedOut)))
    }

    /// A full N+1, a rebalance or a stop wait for N's delivery; then N+1 is delivered (waited
    /// for) and its offsets committed, or, its partitions lost, delivered with no offsets: what
    /// it produced stands, unlike exactly-once, where it is dropped.
    @Test func atLeastOnceWaitersOfAnOverlappingDelivery() {
        let now = start + .milliseconds(100)
        let next = Self.batch(0, 5...9)
        var (full, afterBatch) = overlappingDelivery(of: Self.batch(0, 0...4), then: next, at: now, maxRecords: 5)
        #expect(afterBatch == .awaitCommit)
        #expect(full.committed().1 == .beginAndSend([]))
        #expect(
            full.heldRecordsSent(now: now) == .startDelivery(commitOffsets: [Self.offset(0, 10)], timeout: Self.timeout)
        )

        for (kind, offsets) in [(KafkaRebalance.Kind.revoke, [Self.offset(0, 10)]), (.lost, [])] {
            var (machine, _) = overlappingDelivery(of: Self.batch(0, 0...4), then: next, at: now)
            #expect(machine.commitsDeliveredOffsets)
            #expect(machine.rebalanceReceived(kind, now: now) == .awaitCommit)
            #expect(
                machine.commitsDeliveredOffsets == (kind != .lost),
                "lost while N was delivered: N's offsets are not committed either (review of 26c0cad)")
            #expect(machine.committed().1 == .beginAndSend([]))
            #expect(machine.heldRecordsSent(now: now) == .deliver(commitOffsets: offsets, timeout: Self.timeout))
            let (second, after) = machine.committed()
            #expect(second.counters.consumed == 5 && after == .none && machine.isIdle, "\(kind)")
        }

        var (draining, _) = overlappingDelivery(of: Self.batch(0, 0...4), then: next, at: now)
        #expect(draining.shutdownRequested(at: now, now: now) == .awaitCommit)
        #expect(draining.committed().1 == .beginAndSend([]))
        #expect(
            draining.heldRecordsSent(now: now) == .deliver(commitOffsets: [Self.offset(0, 10)], timeout: .seconds(5)))
        #expect(draining.committed().1 == .close)
    }

    /// A stop while N's delivery overlaps N+1, and N's wait outlasts the drain: N+1 is not
    /// given a wait it cannot finish (it failed the relay, exit 1, on a clean stop); the relay
    /// closes without committing N+1's offsets, which the next owner reads again (review of
    /// 26c0cad, point 4).
    @Test func atLeastOnceADrainWhoseTimeWentToAnOverlappingDeliveryClosesWithoutTheNextsOffsets() {
        let now = start + .milliseconds(100)
        var (machine, _) = overlappingDelivery(of: Self.batch(0, 0...4), then: Self.batch(0, 5...9), at: now)
        #expect(machine.shutdownRequested(at: now, now: now) == .awaitCommit)
        let (first, resume) = machine.committed()
        #expect(first.commitOffsets == [Self.offset(0, 5)] && resume == .beginAndSend([]))
        #expect(machine.heldRecordsSent(now: now + .seconds(8)) == .close, "the drain's 5 s are over")
        machine.closed()
        guard case .stopped = machine.state else {
            Issue.record("expected stopped, got \(machine.state)")
            return
        }

        var (inTime, _) = overlappingDelivery(of: Self.batch(0, 0...4), then: Self.batch(0, 5...9), at: now)
        _ = inTime.shutdownRequested(at: now, now: now)
        _ = inTime.committed()
        #expect(
            inTime.heldRecordsSent(now: now + .seconds(3))
                == .deliver(commitOffsets: [Self.offset(0, 10)], timeout: .seconds(2)),
            "with time left, N+1 is delivered and committed within it")
    }

    /// Events that may come in any state after the loop ended or failed are answered with nothing.
    @Test func lateEventsAfterAFailureOrDuringCloseDoNothing() {
        var closing = machine()
        #expect(closing.shutdownRequested(at: start, now: start) == .close)
        #expect(closing.tick(now: start) == .none)
        #expect(closing.tombstonesDue(["a"], now: start) == .none)
        #expect(closing.rebalanceReceived(.revoke, now: start) == .none)
        let error = KafkaError(code: .fenced, message: "fenced", isFatal: true)
        #expect(closing.fail(.kafka(error, during: "x")) == .fail(.kafka(error, during: "x")), "a close can still fail")
        #expect(closing.rebalanceReceived(.assign, now: start) == .none)
        #expect(closing.tombstonesDue(["a"], now: start) == .none)
    }

    /// An event the loop cannot send in a state is a bug in the loop: the machine traps rather
    /// than guess.
    @Test func closingWithATransactionOpenTraps() async {
        await #expect(processExitsWith: .failure) {
            var machine = RelayStateMachine(
                delivery: .exactlyOnce, interval: .seconds(1), maxRecords: 10, operationTimeout: .seconds(1),
                drainTimeout: .seconds(1))
            _ = machine.batchReceived(RelayStateMachineTests.batch(0, 0...0), now: .now)
            machine.closed()
        }
    }

}
