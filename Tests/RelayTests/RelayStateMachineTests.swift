import Testing

@testable import Relay

/// The relay loop's transitions, without a broker.
@Suite("Relay state machine")
struct RelayStateMachineTests {
    let start = ContinuousClock.now

    func running() -> RelayStateMachine {
        var machine = RelayStateMachine(interval: .milliseconds(100), maxRecords: 1000)
        machine.restoreStarted()
        machine.restoreFinished()
        return machine
    }

    @Test func firstBatchBeginsATransactionLaterOnesJoinIt() {
        var machine = running()
        #expect(machine.batchReceived(count: 10, now: start) == .beginAndProcess)
        #expect(machine.batchReceived(count: 10, now: start) == .process)
        #expect(machine.hasOpenTransaction)
        #expect(machine.batchReceived(count: 0, now: start) == .none)
    }

    @Test func commitsWhenTheIntervalPassesOrTheTransactionIsFull() {
        var machine = running()
        _ = machine.batchReceived(count: 10, now: start)
        #expect(machine.tick(now: start + .milliseconds(50)) == .none)
        #expect(machine.tick(now: start + .milliseconds(100)) == .commit(.interval))
        #expect(machine.commitSucceeded() == .none)
        #expect(!machine.hasOpenTransaction)
        _ = machine.batchReceived(count: 1000, now: start)
        #expect(machine.tick(now: start) == .commit(.full))
    }

    @Test func nothingToCommitWhenIdle() {
        var machine = running()
        #expect(machine.tick(now: start + .seconds(10)) == .none)
        #expect(machine.revokeReceived() == .none)
    }

    @Test func revokeCommitsTheOpenTransactionFirst() {
        var machine = running()
        _ = machine.batchReceived(count: 5, now: start)
        #expect(machine.revokeReceived() == .commit(.revoke))
        #expect(machine.commitSucceeded() == .none)
        #expect(machine.state == .running(transaction: .none))
    }

    @Test func lostPartitionsAbortInsteadOfCommitting() {
        var machine = running()
        _ = machine.batchReceived(count: 5, now: start)
        #expect(machine.partitionsLost() == .abortAndRewind)
        #expect(machine.abortSucceeded(draining: false) == .none)
        #expect(machine.state == .running(transaction: .none))
    }

    @Test func retriableCommitErrorsAreRetriedThenAborted() {
        var machine = running()
        _ = machine.batchReceived(count: 5, now: start)
        _ = machine.tick(now: start + .seconds(1))
        for _ in 0..<5 {
            #expect(
                machine.commitFailed(retriable: true, requiresAbort: false, fatal: false) == .retryCommit(.interval))
        }
        #expect(machine.commitFailed(retriable: true, requiresAbort: false, fatal: false) == .abortAndRewind)
    }

    @Test func abortableErrorsAbortAndRewind() {
        var machine = running()
        _ = machine.batchReceived(count: 5, now: start)
        _ = machine.tick(now: start + .seconds(1))
        #expect(machine.commitFailed(retriable: true, requiresAbort: true, fatal: false) == .abortAndRewind)
        #expect(machine.abortSucceeded(draining: false) == .none)
        #expect(machine.batchReceived(count: 1, now: start) == .beginAndProcess)
    }

    @Test func fatalErrorsFail() {
        var machine = running()
        _ = machine.batchReceived(count: 5, now: start)
        _ = machine.tick(now: start + .seconds(1))
        #expect(machine.commitFailed(retriable: false, requiresAbort: false, fatal: true) == .fail)
        #expect(machine.state == .failed)
    }

    @Test func shutdownDrainsTheOpenTransactionThenCloses() {
        var machine = running()
        _ = machine.batchReceived(count: 5, now: start)
        #expect(machine.shutdownRequested() == .commit(.drain))
        #expect(machine.commitSucceeded() == .close)
        #expect(machine.state == .draining)
    }

    @Test func shutdownWithNothingOpenClosesAtOnce() {
        var machine = running()
        #expect(machine.shutdownRequested() == .close)
        var restoring = RelayStateMachine(interval: .milliseconds(100), maxRecords: 10)
        restoring.restoreStarted()
        #expect(restoring.shutdownRequested() == .close)
    }

    @Test func shutdownWhoseDrainCommitFailsAbortsThenCloses() {
        var machine = running()
        _ = machine.batchReceived(count: 5, now: start)
        _ = machine.shutdownRequested()
        #expect(machine.commitFailed(retriable: false, requiresAbort: true, fatal: false) == .abortAndRewind)
        #expect(machine.abortSucceeded(draining: true) == .close)
    }
}
