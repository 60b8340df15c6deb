/// The relay loop's decisions, without I/O (the pattern of swift-nio's
/// state machines): events go in, an ``Action`` comes out, and the relay
/// performs it. Tested without a broker in `RelayStateMachineTests`.
///
///     starting -> restoring -> running <-> (transaction open) -> committing -> running
///                                 |                               |-> aborting -> running (rewound)
///                                 |-> draining -> stopped         |-> failed (fatal)
struct RelayStateMachine {
    enum State: Equatable {
        case starting
        case restoring
        case running(transaction: TransactionState)
        case committing(reason: CommitReason)
        case aborting
        case draining
        case stopped
        case failed
    }

    enum TransactionState: Equatable {
        case none
        case open(since: ContinuousClock.Instant, records: Int)
    }

    /// Why a commit started; decides what follows it.
    enum CommitReason: Equatable {
        case interval, full, revoke, drain
    }

    enum Action: Equatable {
        case none
        /// Begin a transaction, then process the batch.
        case beginAndProcess
        /// Process the batch in the open transaction.
        case process
        case commit(CommitReason)
        /// Retry the commit that failed with a retriable error.
        case retryCommit(CommitReason)
        /// Abort, drop the table's pending changes, rewind the consumer to the transaction's start.
        case abortAndRewind
        /// Stop with a non-zero exit.
        case fail
        /// Close the consumer and producer, then return.
        case close
    }

    private(set) var state: State = .starting
    let interval: Duration
    let maxRecords: Int
    private var commitRetries = 0
    private let maxCommitRetries = 5

    init(interval: Duration, maxRecords: Int) {
        self.interval = interval
        self.maxRecords = maxRecords
    }

    mutating func restoreStarted() {
        state = .restoring
    }

    mutating func restoreFinished() {
        state = .running(transaction: .none)
    }

    /// A batch of `count` records arrived.
    mutating func batchReceived(count: Int, now: ContinuousClock.Instant) -> Action {
        guard case .running(let transaction) = state, count > 0 else { return .none }
        switch transaction {
        case .none:
            state = .running(transaction: .open(since: now, records: count))
            return .beginAndProcess
        case .open(let since, let records):
            state = .running(transaction: .open(since: since, records: records + count))
            return .process
        }
    }

    /// After processing; and whenever a poll returns (idle ticks too).
    mutating func tick(now: ContinuousClock.Instant) -> Action {
        guard case .running(.open(let since, let records)) = state else { return .none }
        if records >= maxRecords { return startCommit(.full) }
        if now - since >= interval { return startCommit(.interval) }
        return .none
    }

    /// Partitions are being revoked: commit what is open before the revoke completes.
    mutating func revokeReceived() -> Action {
        guard case .running(.open) = state else { return .none }
        return startCommit(.revoke)
    }

    /// Partitions were lost: someone else may own them already; the open work must not commit.
    mutating func partitionsLost() -> Action {
        guard case .running(.open) = state else { return .none }
        state = .aborting
        return .abortAndRewind
    }

    /// SIGTERM or equivalent: finish the open transaction, then close.
    mutating func shutdownRequested() -> Action {
        switch state {
        case .running(.open):
            return startCommit(.drain)
        case .running(.none), .restoring, .starting:
            state = .draining
            return .close
        case .committing, .aborting, .draining, .stopped, .failed:
            return .none
        }
    }

    mutating func commitSucceeded() -> Action {
        guard case .committing(let reason) = state else { return .none }
        commitRetries = 0
        if reason == .drain {
            state = .draining
            return .close
        }
        state = .running(transaction: .none)
        return .none
    }

    /// A commit failed with librdkafka's classes.
    mutating func commitFailed(retriable: Bool, requiresAbort: Bool, fatal: Bool) -> Action {
        guard case .committing(let reason) = state else { return .none }
        if fatal {
            state = .failed
            return .fail
        }
        if retriable && !requiresAbort && commitRetries < maxCommitRetries {
            commitRetries += 1
            return .retryCommit(reason)
        }
        commitRetries = 0
        state = .aborting
        return .abortAndRewind
    }

    mutating func abortSucceeded(draining: Bool) -> Action {
        guard case .aborting = state else { return .none }
        if draining {
            state = .draining
            return .close
        }
        state = .running(transaction: .none)
        return .none
    }

    mutating func abortFailed(fatal: Bool) -> Action {
        state = .failed
        return .fail
    }

    mutating func closed() {
        state = .stopped
    }

    mutating func fatalError() -> Action {
        state = .failed
        return .fail
    }

    private mutating func startCommit(_ reason: CommitReason) -> Action {
        state = .committing(reason: reason)
        return .commit(reason)
    }

    /// Whether a transaction is open.
    var hasOpenTransaction: Bool {
        if case .running(.open) = state { return true }
        return false
    }
}
