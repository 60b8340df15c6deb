import Kafka

/// The relay loop's decisions, without I/O (the pattern of swift-nio's state
/// machines): events go in, an ``Action`` comes out, and ``RelayLoop`` performs
/// it. All the open transaction's data lives inside the ``State``, its changes to the dedup
/// table included (``OpenTransaction/pending``), so work of a transaction cannot be committed
/// after it aborted, or outlive it: ``committed()`` hands the transaction over to be applied,
/// ``aborted(keeping:rejections:)`` drops it and keeps only what the next transaction needs
/// (``OpenTransaction/Handover``). Retries and their deadlines live here too. Tested without a
/// broker in `RelayStateMachineTests`.
///
///     running -> open -> processing -> open -> committing -> running
///                  |                              |-> aborting -> running (rewound, or dropped after a loss)
///                  |-> committing(drain) -> closing -> stopped   and, from anywhere: failed
///
/// Every event switches over every state; an event that cannot happen in a state traps there
/// (the loop drives the machine one action at a time, so that is a bug in the loop). The
/// delivery mode decides the steps: at-least-once never reaches a transactional one.
///
/// Exactly-once commits are two librdkafka calls, each retried on its own while retriable and
/// before the deadline (librdkafka wants a timed-out `commit_transaction` *resumed*, not the
/// offsets sent again). At-least-once "commits" wait for every delivery report, then commit
/// offsets; they never abort, since records already handed to librdkafka cannot be taken back.
struct RelayStateMachine {
    enum State {
        /// No open transaction; what the last one left for the next.
        case running(OpenTransaction.Handover)
        case open(OpenTransaction)
        /// The relay holds the transaction while it processes a batch.
        case processing
        case committing(Commit)
        case aborting(Abort)
        /// Draining is over: close the clients.
        case closing
        case stopped
        case failed(RelayFailure)
    }

    /// Why a commit started; decides what follows it.
    enum CommitReason: Equatable {
        case interval, full, rebalance, lost, drain
    }

    struct Commit {
        enum Step: Equatable {
            /// Exactly-once: `send_offsets_to_transaction`, then `commit_transaction`.
            case sendOffsets, commitTransaction
            /// At-least-once: wait for every delivery report, then commit offsets.
            case deliver
        }
        var transaction: OpenTransaction
        var reason: CommitReason
        var step: Step
        let deadline: ContinuousClock.Instant
    }

    /// What follows an abort.
    enum AfterAbort: Equatable {
        /// Seek the partitions still assigned back to the transaction's start and redo it.
        case rewind
        /// The partitions are gone (lost): nothing to redo here.
        case drop
        /// We were draining: close.
        case close
    }

    struct Abort {
        var transaction: OpenTransaction
        var then: AfterAbort
        let deadline: ContinuousClock.Instant
    }

    /// What the relay does next. Each action carries what the relay needs to perform it.
    enum Action: Equatable {
        case none
        /// Exactly-once: begin a transaction, then process the batch in it (empty: only the due
        /// retention tombstones).
        case beginAndProcess([KafkaMessage])
        /// Process the batch in the open transaction (empty: only the due retention tombstones).
        case process([KafkaMessage])
        case sendOffsets([TopicPartitionOffset], timeout: Duration)
        case commitTransaction(timeout: Duration)
        /// At-least-once: flush, check delivery reports, then commit these offsets.
        case deliver(commitOffsets: [TopicPartitionOffset], timeout: Duration)
        case abortTransaction(timeout: Duration)
        /// The transaction aborted: read its records back (brokers that show aborted records), then
        /// seek these partitions back to where it started and redo it.
        case rewind([TopicPartitionOffset])
        /// Close the consumer and producer, then return.
        case close
        /// Stop with a non-zero exit.
        case fail(RelayFailure)
    }

    private(set) var state: State = .running(OpenTransaction.Handover())
    let delivery: RelayConfiguration.Delivery.Value
    let interval: Duration
    let maxRecords: Int
    /// How long one commit or abort may take, retries included.
    let operationTimeout: Duration
    /// How long the drain's commit may take (below the service's stop timeout).
    let drainTimeout: Duration
    let maxConsecutiveAborts: Int
    private var consecutiveAborts = 0

    init(
        delivery: RelayConfiguration.Delivery, interval: Duration, maxRecords: Int, operationTimeout: Duration,
        drainTimeout: Duration, maxConsecutiveAborts: Int = 10
    ) {
        self.delivery = delivery.value
        self.interval = interval
        self.maxRecords = maxRecords
        self.operationTimeout = operationTimeout
        self.drainTimeout = drainTimeout
        self.maxConsecutiveAborts = maxConsecutiveAborts
    }

    /// No transaction open, none committing or aborting: everything read is committed.
    var isIdle: Bool {
        if case .running = state { return true }
        return false
    }

    /// Whether a transaction is open (the relay polls with a shorter timeout then).
    var hasOpenTransaction: Bool {
        if case .open = state { return true }
        return false
    }

    /// With no transaction open, the retention tombstones the last one left unwritten.
    var dueTombstones: [String] {
        if case .running(let handover) = state { return handover.dueTombstones }
        return []
    }

    // MARK: - Records

    /// A batch arrived.
    mutating func batchReceived(_ batch: [KafkaMessage], now: ContinuousClock.Instant) -> Action {
        switch state {
        case .running(let handover):
            return open(batch, handover: handover, now: now)
        case .open(var transaction):
            state = .processing
            transaction.willProcess(batch)
            state = .open(transaction)
            return .process(batch)
        case .processing, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("a batch arrived while the relay was \(state)")
        }
    }

    /// Begins a transaction for `batch`, with what the last one handed over.
    private mutating func open(
        _ batch: [KafkaMessage], handover: OpenTransaction.Handover, now: ContinuousClock.Instant
    ) -> Action {
        var transaction = OpenTransaction(openedAt: now, handover: handover)
        transaction.willProcess(batch)
        state = .open(transaction)
        switch delivery {
        case .exactlyOnce: return .beginAndProcess(batch)
        case .atLeastOnce: return .process(batch)
        }
    }

    /// Retention tombstones are due (`jobs`, found by a sweep, and any the last transaction left)
    /// while no input arrives: with nothing open, a transaction of their own; an open one takes
    /// them and writes them with its next batch.
    mutating func tombstonesDue(_ jobs: [String], now: ContinuousClock.Instant) -> Action {
        switch state {
        case .running(var handover):
            if jobs.isEmpty && handover.dueTombstones.isEmpty { return .none }
            handover.dueTombstones += jobs
            return open([], handover: handover, now: now)
        case .open(var transaction):
            if jobs.isEmpty { return .none }
            state = .processing
            transaction.dueTombstones += jobs
            state = .open(transaction)
            return .none
        case .closing, .stopped, .failed:
            return .none
        case .processing, .committing, .aborting:
            preconditionFailure("tombstones due while the relay was \(state)")
        }
    }

    /// `begin_transaction` failed: librdkafka raises nothing retriable there.
    mutating func beginFailed(_ error: KafkaError) -> Action {
        switch state {
        case .open:
            return fail(.kafka(error, during: "begin transaction"))
        case .running, .processing, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("begin failed while the relay was \(state)")
        }
    }

    /// Hands the open transaction to the relay for one batch; give it back with
    /// ``processed(_:now:)`` or ``processingFailed(_:error:now:)``.
    mutating func startProcessing() -> OpenTransaction {
        switch state {
        case .open(let transaction):
            state = .processing
            return transaction
        case .running, .processing, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("processing without an open transaction (\(state))")
        }
    }

    /// The batch is processed: commit if the transaction is full or old enough.
    mutating func processed(_ transaction: OpenTransaction, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .processing:
            state = .open(transaction)
            return tick(now: now)
        case .running, .open, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("processed while the relay was \(state)")
        }
    }

    /// Producing failed in the middle of the batch: abort and redo (exactly-once), or stop
    /// (at-least-once, where what was produced cannot be taken back).
    mutating func processingFailed(
        _ transaction: OpenTransaction, error: KafkaError, now: ContinuousClock.Instant
    ) -> Action {
        switch state {
        case .processing:
            if error.isFatal { return fail(.kafka(error, during: "produce")) }
            switch delivery {
            case .exactlyOnce: return startAbort(transaction, then: .rewind, cause: error, now: now)
            case .atLeastOnce: return fail(.undelivered(error))
            }
        case .running, .open, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("processing failed while the relay was \(state)")
        }
    }

    /// Whenever a poll returns (idle ticks too): commit what is due.
    mutating func tick(now: ContinuousClock.Instant) -> Action {
        switch state {
        case .open(let transaction):
            if transaction.recordCount >= maxRecords { return startCommit(transaction, .full, now: now) }
            if now - transaction.openedAt >= interval { return startCommit(transaction, .interval, now: now) }
            return .none
        case .running, .closing, .stopped, .failed:
            return .none
        case .processing, .committing, .aborting:
            preconditionFailure("a tick while the relay was \(state)")
        }
    }

    // MARK: - Rebalances and shutdown

    /// The group is changing this member's partitions. An open transaction commits first
    /// (revoke, and cooperative assigns, so that a restore never runs inside a transaction),
    /// or is abandoned when the partitions were lost: someone else may own them already.
    mutating func rebalanceReceived(_ kind: KafkaRebalance.Kind, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .running, .closing, .stopped, .failed:
            return .none
        case .open(let transaction):
            guard kind == .lost else { return startCommit(transaction, .rebalance, now: now) }
            switch delivery {
            case .exactlyOnce: return startAbort(transaction, then: .drop, cause: nil, now: now)
            // What was produced stands: wait for it, commit no offsets.
            case .atLeastOnce: return startCommit(transaction, .lost, now: now)
            }
        case .processing, .committing, .aborting:
            preconditionFailure("a rebalance arrived while the relay was \(state)")
        }
    }

    /// SIGTERM or equivalent: finish the open transaction, then close.
    mutating func shutdownRequested(now: ContinuousClock.Instant) -> Action {
        switch state {
        case .running:
            state = .closing
            return .close
        case .open(let transaction):
            return startCommit(transaction, .drain, now: now)
        case .closing, .stopped, .failed:
            return .none
        case .processing, .committing, .aborting:
            preconditionFailure("shutdown checked while the relay was \(state)")
        }
    }

    /// The clients are closed after the drain.
    mutating func closed() {
        switch state {
        case .closing:
            state = .stopped
        case .stopped:
            break
        case .running, .open, .processing, .committing, .aborting, .failed:
            preconditionFailure("closed while the relay was \(state)")
        }
    }

    /// The test switch that abandons the relay: it stops where it is, committing nothing (a crash
    /// without the crash).
    mutating func abandoned() {
        switch state {
        case .running, .open, .closing, .stopped:
            state = .stopped
        case .processing, .committing, .aborting, .failed:
            preconditionFailure("abandoned while the relay was \(state)")
        }
    }

    /// Anything else the relay cannot go on with. The first failure is the one reported.
    mutating func fail(_ failure: RelayFailure) -> Action {
        switch state {
        case .running, .open, .processing, .committing, .aborting, .closing:
            state = .failed(failure)
            return .fail(failure)
        case .failed(let first):
            return .fail(first)
        case .stopped:
            preconditionFailure("failed after the relay stopped: \(failure)")
        }
    }

    // MARK: - Commit

    private mutating func startCommit(
        _ transaction: OpenTransaction, _ reason: CommitReason, now: ContinuousClock.Instant
    ) -> Action {
        let deadline = now + (reason == .drain ? drainTimeout : operationTimeout)
        switch delivery {
        case .exactlyOnce:
            state = .committing(
                Commit(transaction: transaction, reason: reason, step: .sendOffsets, deadline: deadline))
            return .sendOffsets(transaction.commitOffsets, timeout: attemptTimeout(until: deadline, now: now))
        case .atLeastOnce:
            state = .committing(Commit(transaction: transaction, reason: reason, step: .deliver, deadline: deadline))
            let offsets = reason == .lost ? [] : transaction.commitOffsets
            return .deliver(commitOffsets: offsets, timeout: remaining(until: deadline, now: now))
        }
    }

    /// `send_offsets_to_transaction` succeeded.
    mutating func offsetsSent(now: ContinuousClock.Instant) -> Action {
        switch state {
        case .committing(var commit) where commit.step == .sendOffsets:
            commit.step = .commitTransaction
            state = .committing(commit)
            return .commitTransaction(timeout: attemptTimeout(until: commit.deadline, now: now))
        case .running, .open, .processing, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("offsets sent while the relay was \(state)")
        }
    }

    /// A step of the commit failed. At-least-once, records were not delivered: stop. Exactly-once,
    /// librdkafka's rules: an abortable error aborts; a retriable one (a timeout) leaves the call
    /// in progress, to be *resumed* with the same call (any other transactional call answers
    /// `_CONFLICT`), so it is resumed until the deadline and, past it, the relay stops: the
    /// restart's `init_transactions` aborts what was left open. Fatal errors and anything else
    /// stop the relay too.
    mutating func commitStepFailed(_ error: KafkaError, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .committing(let commit):
            if error.isFatal { return fail(.kafka(error, during: "commit (\(commit.step))")) }
            switch commit.step {
            case .deliver: return fail(.undelivered(error))
            case .sendOffsets, .commitTransaction: return transactionStepFailed(commit, error, now: now)
            }
        case .running, .open, .processing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("commit failed while the relay was \(state)")
        }
    }

    private mutating func transactionStepFailed(
        _ commit: Commit, _ error: KafkaError, now: ContinuousClock.Instant
    ) -> Action {
        if error.requiresAbort {
            let then: AfterAbort =
                switch commit.reason {
                case .drain: .close
                case .lost: .drop
                case .interval, .full, .rebalance: .rewind
                }
            return startAbort(commit.transaction, then: then, cause: error, now: now, deadline: commit.deadline)
        }
        guard error.isRetriable, now < commit.deadline else {
            return fail(.kafka(error, during: "commit (\(commit.step)), resumed until its deadline"))
        }
        let timeout = attemptTimeout(until: commit.deadline, now: now)
        switch commit.step {
        case .sendOffsets: return .sendOffsets(commit.transaction.commitOffsets, timeout: timeout)
        case .commitTransaction: return .commitTransaction(timeout: timeout)
        case .deliver: preconditionFailure("an at-least-once delivery is no transaction step")
        }
    }

    /// The transaction committed (or, at-least-once, every record was delivered): the relay
    /// applies the returned transaction (its ``OpenTransaction/pending`` changes, counters and
    /// offsets) once, then performs the action.
    mutating func committed() -> (OpenTransaction, Action) {
        switch state {
        case .committing(let commit):
            consecutiveAborts = 0
            if commit.reason == .drain {
                state = .closing
                return (commit.transaction, .close)
            }
            state = .running(commit.transaction.handoverAfterCommit)
            return (commit.transaction, .none)
        case .running, .open, .processing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("committed while the relay was \(state)")
        }
    }

    // MARK: - Abort

    /// - Parameter deadline: a drain's abort keeps the commit's deadline (the stop timeout does
    ///   not grow); otherwise the abort gets its own.
    private mutating func startAbort(
        _ transaction: OpenTransaction, then: AfterAbort, cause: KafkaError?, now: ContinuousClock.Instant,
        deadline commitDeadline: ContinuousClock.Instant? = nil
    ) -> Action {
        if cause != nil {
            consecutiveAborts += 1
            if consecutiveAborts > maxConsecutiveAborts {
                return fail(.repeatedAborts(consecutiveAborts, last: cause))
            }
        }
        let deadline =
            then == .close ? (commitDeadline ?? now + drainTimeout) : max(commitDeadline ?? now, now + operationTimeout)
        state = .aborting(Abort(transaction: transaction, then: then, deadline: deadline))
        return .abortTransaction(timeout: attemptTimeout(until: deadline, now: now))
    }

    /// `abort_transaction` failed: resume it while it timed out and time is left, else stop
    /// (`_CONFLICT` means another call is still in progress: no retry can mend that).
    mutating func abortFailed(_ error: KafkaError, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .aborting(let abort):
            if !error.isFatal && error.isRetriable && error.code != .conflict && now < abort.deadline {
                return .abortTransaction(timeout: attemptTimeout(until: abort.deadline, now: now))
            }
            return fail(.kafka(error, during: "abort transaction"))
        case .running, .open, .processing, .committing, .closing, .stopped, .failed:
            preconditionFailure("abort failed while the relay was \(state)")
        }
    }

    /// The transaction aborted: its work is dropped here (its changes to the table never reach
    /// the relay), and the relay rewinds the partitions in `keeping` (the ones still assigned),
    /// does nothing (they were lost) or closes (the drain's commit failed).
    /// - Parameter rejections: delivery tags of records the broker refused for good, with the
    ///   error: the next transaction dead-letters their sources (returned, traced to them).
    mutating func aborted(
        keeping partitions: Set<TopicPartition>, rejections: [Int: KafkaError] = [:]
    ) -> (refused: [OpenTransaction.Refusal], Action) {
        switch state {
        case .aborting(let abort):
            let (handover, refused) = abort.transaction.handoverAfterAbort(rejections: rejections)
            switch abort.then {
            case .rewind:
                state = .running(handover)
                return (refused, .rewind(abort.transaction.rewindOffsets(keeping: partitions)))
            case .drop:
                state = .running(handover)
                return (refused, .none)
            case .close:
                state = .closing
                return (refused, .close)
            }
        case .running, .open, .processing, .committing, .closing, .stopped, .failed:
            preconditionFailure("aborted while the relay was \(state)")
        }
    }

    private func remaining(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Duration {
        max(.milliseconds(100), deadline - now)
    }

    /// One call's share of the time left: half of it, so a call that times out can be resumed
    /// at least once before the deadline.
    private func attemptTimeout(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Duration {
        max(.milliseconds(500), (deadline - now) / 2)
    }
}
