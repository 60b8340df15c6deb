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
/// Exactly-once, a commit that `transaction.interval` or `transaction.max-records` started
/// overlaps the next batches (``Commit/overlaps``): while `commit_transaction` runs, the relay
/// goes on fetching, decoding and judging into the next transaction, which reads the table
/// through the committing one's changes and holds its records (``OpenTransaction/held``, at
/// most `transaction.max-records` input records), since librdkafka has one transaction open
/// per producer:
///
///     committing(next: nil) -> processing(during:) -> committing(next:) -> sending -> open
///            (batches while the commit runs)       (committed: begin the next, produce its held records)
///
/// A rebalance, a stop or a full next transaction waits for the commit's end
/// (``Action/awaitCommit``, noted in ``Commit/awaitedBy``), then goes on as it would from an
/// open transaction. If the commit aborts, the next transaction is dropped with it (its
/// judgements read the aborted changes) and the rewind goes to the lower start of the two.
///
/// At-least-once, the wait for delivery overlaps the next batches the same way
/// (``Action/startDelivery(commitOffsets:timeout:)``: the wait is for the records produced
/// before it, not for the ones after), and the next transaction produces its records at once:
/// there is no transaction to hold them for, and nothing to abort. Its end commits the offsets.
///
/// Every event switches over every state; an event that cannot happen in a state traps there
/// (the loop drives the machine one action at a time, so that is a bug in the loop). The
/// delivery mode decides the steps: at-least-once never reaches a transactional one.
///
/// Exactly-once commits produce the dead letters the transaction deferred
/// (``OpenTransaction/deferredDeadLetters``), then make two librdkafka calls, each retried on
/// its own while retriable and before the deadline (librdkafka wants a timed-out
/// `commit_transaction` *resumed*, not the offsets sent again). At-least-once "commits" wait
/// for every delivery report, then commit offsets; they never abort, since records already
/// handed to librdkafka cannot be taken back.
struct RelayStateMachine {
    enum State {
        /// No open transaction; what the last one left for the next.
        case running(OpenTransaction.Handover)
        case open(OpenTransaction)
        /// The relay holds the transaction while it processes a batch; `during`: the commit
        /// that runs meanwhile (the transaction is the next one, and holds its records).
        case processing(during: Commit?)
        /// `next`: the transaction judged while this one commits (exactly-once overlap).
        case committing(Commit, next: OpenTransaction?)
        /// The transaction began after the one before it committed: the relay produces its held
        /// records; `then`: the commit that was waiting for them (a rebalance's, the drain's).
        case sending(OpenTransaction, then: CommitReason?)
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
            /// Exactly-once: the dead letters the transaction deferred
            /// (``OpenTransaction/deferredDeadLetters``), then `send_offsets_to_transaction`,
            /// then `commit_transaction`.
            case sendDeadLetters, sendOffsets, commitTransaction
            /// At-least-once: wait for every delivery report, then commit offsets.
            case deliver
        }
        var transaction: OpenTransaction
        var reason: CommitReason
        var step: Step
        let deadline: ContinuousClock.Instant
        /// `commit_transaction` (at-least-once, the wait for delivery) runs while the relay goes
        /// on with the next batches.
        var overlaps = false
        /// What waits for the end of an overlapping commit; `nil`: nothing, the relay goes on.
        var awaitedBy: Waiter?

        /// Whether `commit_transaction` (the wait for delivery) runs while the relay goes on with
        /// the next batches.
        var goesOn: Bool { overlaps && (step == .commitTransaction || step == .deliver) && awaitedBy == nil }
    }

    /// Why the relay waits for the end of an overlapping commit.
    enum Waiter: Equatable {
        /// The next transaction is full.
        case nextFull
        /// A rebalance: the next transaction commits too (or, partitions lost, is dropped).
        case rebalance(KafkaRebalance.Kind)
        /// A stop: the next transaction commits too, then the relay closes.
        case drain
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
        /// The transaction judged during this one's commit, dropped with it.
        var next: OpenTransaction?
        var then: AfterAbort
        let deadline: ContinuousClock.Instant
        /// Records the producer refused for good as they were produced (held records).
        var rejections: [Int: KafkaError] = [:]
    }

    /// What the relay does next. Each action carries what the relay needs to perform it.
    enum Action: Equatable {
        case none
        /// Exactly-once: begin a transaction, then process the batch in it (empty: only the due
        /// retention tombstones).
        case beginAndProcess([KafkaMessage])
        /// Process the batch in the open transaction (empty: only the due retention tombstones).
        case process([KafkaMessage])
        /// Exactly-once, the commit's first step: produce the dead letters the transaction
        /// deferred, in order, then report ``deadLettersSent(now:)`` (or
        /// ``deadLetterFailed(_:tag:now:)``).
        case sendDeadLetters([OpenTransaction.HeldRecord])
        case sendOffsets([TopicPartitionOffset], timeout: Duration)
        /// Commit, and wait for the result.
        case commitTransaction(timeout: Duration)
        /// Start `commit_transaction` and go on (polling, processing the next batches); its end
        /// is reported as for ``commitTransaction(timeout:)`` (``committed()`` or
        /// ``commitStepFailed(_:now:)``), when the relay sees it or on ``awaitCommit``.
        case startCommitTransaction(timeout: Duration)
        /// Wait for the end of the commit started by ``startCommitTransaction(timeout:)`` and
        /// report it.
        case awaitCommit
        /// The commit before it ended: begin the next transaction (exactly-once), produce its held
        /// records in order (at-least-once, none), then report ``heldRecordsSent(now:)`` (or
        /// ``heldRecordFailed(_:tag:now:)``).
        case beginAndSend([OpenTransaction.HeldRecord])
        /// At-least-once: flush, check delivery reports, then commit these offsets.
        case deliver(commitOffsets: [TopicPartitionOffset], timeout: Duration)
        /// At-least-once: start waiting for the delivery of every record produced so far and go
        /// on (polling, processing and producing the next batches); the end is reported as for
        /// ``deliver(commitOffsets:timeout:)`` (the offsets committed, then ``committed()``, or
        /// ``commitStepFailed(_:now:)``), when the relay sees it or on ``awaitCommit``.
        case startDelivery(commitOffsets: [TopicPartitionOffset], timeout: Duration)
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
    /// How long the drain may take from the stop request (below the service's stop timeout):
    /// exactly-once, its commit steps the first three quarters, its abort (if it comes to one) the
    /// rest.
    let drainTimeout: Duration
    let maxConsecutiveAborts: Int
    /// Whether commits of `transaction.interval` and `transaction.max-records` overlap the next
    /// batches (``Commit/overlaps``); off, every commit stops the relay.
    let overlapsCommits: Bool
    private var consecutiveAborts = 0
    /// When the drain must be over: `drain-timeout` after the first stop request (the signal,
    /// not the loop's first look at it). A drain that waits for an overlapping commit commits
    /// the next transaction within it too.
    private var drainDeadline: ContinuousClock.Instant?

    init(
        delivery: RelayConfiguration.Delivery, interval: Duration, maxRecords: Int, operationTimeout: Duration,
        drainTimeout: Duration, maxConsecutiveAborts: Int = 10, overlapsCommits: Bool = false
    ) {
        self.overlapsCommits = overlapsCommits
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

    /// Whether a transaction is open.
    var hasOpenTransaction: Bool {
        if case .open = state { return true }
        return false
    }

    /// When the open transaction is due to commit for its age (`transaction.interval` after it
    /// opened); `nil` without an open transaction. The relay polls no longer than until then.
    var commitDue: ContinuousClock.Instant? {
        if case .open(let transaction) = state { return transaction.openedAt + interval }
        return nil
    }

    /// Whether a commit runs while the relay goes on (it waits for that commit's end or a poll).
    var isCommitOverlapping: Bool {
        if case .committing(let commit, _) = state { return commit.goesOn }
        return false
    }

    /// At-least-once, whether the commit whose wait for delivery ended commits its offsets: not
    /// when its partitions were lost meanwhile (someone else may own them, and may have committed
    /// past them already).
    var commitsDeliveredOffsets: Bool {
        guard case .committing(let commit, _) = state else { return false }
        return commit.reason != .lost && commit.awaitedBy != .rebalance(.lost)
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
            state = .processing(during: nil)
            transaction.willProcess(batch)
            state = .open(transaction)
            return .process(batch)
        case .committing(let commit, let next) where commit.goesOn:
            // Judged now, produced once this commit ends and the next transaction begins.
            var next =
                next
                ?? OpenTransaction(
                    openedAt: now, whileCommitting: commit.transaction, holdsRecords: delivery == .exactlyOnce)
            next.willProcess(batch)
            state = .committing(commit, next: next)
            return .process(batch)
        case .processing, .committing, .sending, .aborting, .closing, .stopped, .failed:
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
            state = .processing(during: nil)
            transaction.dueTombstones += jobs
            state = .open(transaction)
            return .none
        case .committing(var commit, var next):
            // The transaction that opens next writes them (the committing one hands them over).
            if jobs.isEmpty { return .none }
            if next != nil {
                next?.dueTombstones += jobs
            } else {
                commit.transaction.dueTombstones += jobs
            }
            state = .committing(commit, next: next)
            return .none
        case .closing, .stopped, .failed:
            return .none
        case .processing, .sending, .aborting:
            preconditionFailure("tombstones due while the relay was \(state)")
        }
    }

    /// `begin_transaction` failed: librdkafka raises nothing retriable there.
    mutating func beginFailed(_ error: KafkaError) -> Action {
        switch state {
        case .open, .sending:
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
            state = .processing(during: nil)
            return transaction
        case .committing(let commit, let next?):
            state = .processing(during: commit)
            return next
        case .running, .processing, .committing, .sending, .aborting, .closing, .stopped, .failed:
            preconditionFailure("processing without an open transaction (\(state))")
        }
    }

    /// The batch is processed: commit if the transaction is full or old enough.
    mutating func processed(_ transaction: OpenTransaction, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .processing(during: nil):
            state = .open(transaction)
            return tick(now: now)
        case .processing(during: var commit?):
            guard transaction.recordCount >= maxRecords else {
                state = .committing(commit, next: transaction)
                return .none
            }
            commit.awaitedBy = .nextFull
            state = .committing(commit, next: transaction)
            return .awaitCommit
        case .running, .open, .committing, .sending, .aborting, .closing, .stopped, .failed:
            preconditionFailure("processed while the relay was \(state)")
        }
    }

    /// Producing failed in the middle of the batch: abort and redo (exactly-once), or stop
    /// (at-least-once, where what was produced cannot be taken back).
    mutating func processingFailed(
        _ transaction: OpenTransaction, error: KafkaError, now: ContinuousClock.Instant
    ) -> Action {
        switch state {
        case .processing(during: nil):
            if error.isFatal { return fail(.kafka(error, during: "produce")) }
            switch delivery {
            case .exactlyOnce: return startAbort(transaction, then: .rewind, cause: error, now: now)
            case .atLeastOnce: return fail(.undelivered(error))
            }
        case .processing(during: .some) where delivery == .atLeastOnce:
            // Produced while the records before it are delivered: those stand, and so do these.
            return fail(error.isFatal ? .kafka(error, during: "produce") : .undelivered(error))
        case .processing(during: .some):
            preconditionFailure("a transaction that holds its records produced nothing to fail: \(error)")
        case .running, .open, .committing, .sending, .aborting, .closing, .stopped, .failed:
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
        case .committing(let commit, _) where commit.goesOn:
            // The next transaction's interval counts from its first batch; it commits once it began.
            return .none
        case .processing, .committing, .sending, .aborting:
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
        case .committing(var commit, let next) where commit.goesOn:
            // A commit under way cannot be abandoned (librdkafka answers any other transactional
            // call with _CONFLICT): its end decides; then the next transaction commits first too
            // (revoke, assign) or is dropped (lost: it produced nothing).
            commit.awaitedBy = .rebalance(kind)
            state = .committing(commit, next: next)
            return .awaitCommit
        case .processing, .committing, .sending, .aborting:
            preconditionFailure("a rebalance arrived while the relay was \(state)")
        }
    }

    /// SIGTERM or equivalent, requested at `requested` and seen by the loop `now` (after a
    /// commit or a rebalance it was busy with): finish the open transaction, then close, by
    /// `drain-timeout` after the request, not after `now`.
    mutating func shutdownRequested(at requested: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Action {
        if drainDeadline == nil { drainDeadline = min(requested, now) + drainTimeout }
        switch state {
        case .running:
            state = .closing
            return .close
        case .open(let transaction):
            return startCommit(transaction, .drain, now: now)
        case .committing(var commit, let next) where commit.goesOn:
            // The commit's end decides; then the next transaction commits too, and the relay closes.
            commit.awaitedBy = .drain
            state = .committing(commit, next: next)
            return .awaitCommit
        case .closing, .stopped, .failed:
            return .none
        case .processing, .committing, .sending, .aborting:
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
        case .running, .open, .processing, .committing, .sending, .aborting, .failed:
            preconditionFailure("closed while the relay was \(state)")
        }
    }

    /// The test switch that abandons the relay: it stops where it is, committing nothing (a crash
    /// without the crash); a commit already under way (overlapping) ends or not, as it may.
    mutating func abandoned() {
        switch state {
        case .running, .open, .closing, .stopped:
            state = .stopped
        case .committing(let commit, _) where commit.goesOn:
            state = .stopped
        case .processing, .committing, .sending, .aborting, .failed:
            preconditionFailure("abandoned while the relay was \(state)")
        }
    }

    /// Anything else the relay cannot go on with. The first failure is the one reported.
    mutating func fail(_ failure: RelayFailure) -> Action {
        switch state {
        case .running, .open, .processing, .committing, .sending, .aborting, .closing:
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
        switch delivery {
        case .exactlyOnce:
            let deadline = reason == .drain ? drainCommitEnd(now: now) : now + operationTimeout
            if reason == .drain, now >= deadline {
                // The drain's commit time is over (the loop saw the stop late, or an overlapping
                // commit ended late): no commit step could end in it. Abort in the last quarter.
                return startAbort(transaction, then: .close, cause: nil, now: now)
            }
            let deadLetters = transaction.deferredDeadLetters
            var commit = Commit(
                transaction: transaction, reason: reason, step: deadLetters.isEmpty ? .sendOffsets : .sendDeadLetters,
                deadline: deadline)
            commit.overlaps = overlapsCommits && (reason == .interval || reason == .full)
            state = .committing(commit, next: nil)
            if !deadLetters.isEmpty { return .sendDeadLetters(deadLetters) }
            return .sendOffsets(transaction.commitOffsets, timeout: attemptTimeout(until: deadline, now: now))
        case .atLeastOnce:
            // Nothing to abort: the wait for delivery may take the drain's time to its end.
            let deadline = reason == .drain ? drainEnd(now: now) : now + operationTimeout
            if reason == .drain, now >= deadline {
                // The drain's time went to a wait for delivery that overlapped this transaction:
                // close without committing its offsets. Its records stand or not; the next owner
                // reads them again, and its restore drops what was delivered as duplicates.
                state = .closing
                return .close
            }
            var commit = Commit(transaction: transaction, reason: reason, step: .deliver, deadline: deadline)
            commit.overlaps = overlapsCommits && (reason == .interval || reason == .full)
            state = .committing(commit, next: nil)
            let offsets = reason == .lost ? [] : transaction.commitOffsets
            let timeout = remaining(until: deadline, now: now)
            return commit.overlaps
                ? .startDelivery(commitOffsets: offsets, timeout: timeout)
                : .deliver(commitOffsets: offsets, timeout: timeout)
        }
    }

    /// The deferred dead letters are produced: send the offsets.
    mutating func deadLettersSent(now: ContinuousClock.Instant) -> Action {
        stepSucceeded(.sendDeadLetters, then: .sendOffsets, now: now, event: "dead letters sent") { commit, timeout in
            .sendOffsets(commit.transaction.commitOffsets, timeout: timeout)
        }
    }

    /// Producing the deferred dead letter tagged `tag` failed: abort and redo, as for a held
    /// record; one refused for good (too large) is dead-lettered without its value by the redo.
    mutating func deadLetterFailed(_ error: KafkaError, tag: Int?, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .committing(let commit, let next) where commit.step == .sendDeadLetters:
            if error.isFatal { return fail(.kafka(error, during: "produce")) }
            return startAbort(
                commit.transaction, next: next, then: afterFailedCommit(commit), cause: error, now: now,
                commitDeadline: commit.deadline, rejections: Self.rejection(error, tag: tag))
        case .running, .open, .processing, .committing, .sending, .aborting, .closing, .stopped, .failed:
            preconditionFailure("a dead letter failed while the relay was \(state)")
        }
    }

    /// `send_offsets_to_transaction` succeeded.
    mutating func offsetsSent(now: ContinuousClock.Instant) -> Action {
        stepSucceeded(.sendOffsets, then: .commitTransaction, now: now, event: "offsets sent", Self.commitCall)
    }

    /// A commit step before `commit_transaction` succeeded: on to the next (`action` with the
    /// attempt's timeout), unless the drain's time is over (as in `startCommit`: no commit
    /// step could end in it; what this one sent aborts with the transaction).
    private mutating func stepSucceeded(
        _ step: Commit.Step, then nextStep: Commit.Step, now: ContinuousClock.Instant, event: String,
        _ action: (Commit, Duration) -> Action
    ) -> Action {
        switch state {
        case .committing(var commit, let next) where commit.step == step:
            if commit.reason == .drain, now >= commit.deadline {
                return startAbort(commit.transaction, next: next, then: .close, cause: nil, now: now)
            }
            commit.step = nextStep
            state = .committing(commit, next: next)
            return action(commit, attemptTimeout(until: commit.deadline, now: now))
        case .running, .open, .processing, .committing, .sending, .aborting, .closing, .stopped, .failed:
            preconditionFailure("\(event) while the relay was \(state)")
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
        case .committing(let commit, let next):
            if error.isFatal { return fail(.kafka(error, during: "commit (\(commit.step))")) }
            switch commit.step {
            case .deliver: return fail(.undelivered(error))
            case .sendOffsets, .commitTransaction: return transactionStepFailed(commit, next: next, error, now: now)
            case .sendDeadLetters: preconditionFailure("a dead letter's failure is reported by deadLetterFailed")
            }
        case .running, .open, .processing, .sending, .aborting, .closing, .stopped, .failed:
            preconditionFailure("commit failed while the relay was \(state)")
        }
    }

    /// - Parameter next: the transaction judged during an overlapping commit: an abort drops it
    ///   too (it produced nothing, and its judgements read the aborted changes).
    private mutating func transactionStepFailed(
        _ commit: Commit, next: OpenTransaction?, _ error: KafkaError, now: ContinuousClock.Instant
    ) -> Action {
        if error.requiresAbort {
            return startAbort(
                commit.transaction, next: next, then: afterFailedCommit(commit), cause: error, now: now,
                commitDeadline: commit.deadline)
        }
        // A drain waiting for this commit resumes it within the drain's commit time, not past it.
        let deadline = commit.awaitedBy == .drain ? min(commit.deadline, drainCommitEnd(now: now)) : commit.deadline
        guard error.isRetriable, now < deadline else {
            return fail(.kafka(error, during: "commit (\(commit.step)), resumed until its deadline"))
        }
        let timeout = attemptTimeout(until: deadline, now: now)
        switch commit.step {
        case .sendOffsets: return .sendOffsets(commit.transaction.commitOffsets, timeout: timeout)
        case .commitTransaction: return Self.commitCall(commit, timeout: timeout)
        case .deliver: preconditionFailure("an at-least-once delivery is no transaction step")
        case .sendDeadLetters: preconditionFailure("a dead letter's failure is reported by deadLetterFailed")
        }
    }

    /// The record tagged `tag` as refused for good, when `error` says so (its redo dead-letters
    /// it, or dead-letters it without its value): an abort's ``Abort/rejections``.
    private static func rejection(_ error: KafkaError, tag: Int?) -> [Int: KafkaError] {
        guard error.isRecordRejection, let tag else { return [:] }
        return [tag: error]
    }

    /// What follows the abort of a commit that failed.
    private func afterFailedCommit(_ commit: Commit) -> AfterAbort {
        switch (commit.reason, commit.awaitedBy) {
        case (.drain, _), (_, .drain): .close
        case (.lost, _), (_, .rebalance(.lost)): .drop
        case (.interval, _), (.full, _), (.rebalance, _): .rewind
        }
    }

    /// `commit_transaction`: started, the relay going on, while the commit overlaps and nothing
    /// waits for it; else waited for.
    private static func commitCall(_ commit: Commit, timeout: Duration) -> Action {
        commit.overlaps && commit.awaitedBy == nil
            ? .startCommitTransaction(timeout: timeout) : .commitTransaction(timeout: timeout)
    }

    /// The transaction committed (or, at-least-once, every record was delivered): the relay
    /// applies the returned transaction (its ``OpenTransaction/pending`` changes, counters and
    /// offsets) once, then performs the action. A transaction judged during the commit begins now (``Action/beginAndSend(_:)``), unless
    /// the partitions were lost meanwhile: then it is dropped (it produced nothing).
    mutating func committed() -> (OpenTransaction, Action) {
        switch state {
        case .committing(let commit, let next):
            consecutiveAborts = 0
            if commit.reason == .drain {
                state = .closing
                return (commit.transaction, .close)
            }
            guard var next else {
                if commit.awaitedBy == .drain {
                    state = .closing
                    return (commit.transaction, .close)
                }
                state = .running(commit.transaction.handoverAfterCommit)
                return (commit.transaction, .none)
            }
            let then: CommitReason?
            switch commit.awaitedBy {
            case .rebalance(.lost) where delivery == .atLeastOnce:
                // What it produced stands: wait for it, commit no offsets.
                then = .lost
            case .rebalance(.lost):
                // Someone else may own the partitions already: drop it (it produced nothing).
                state = .running(next.handoverAfterAbort(rejections: [:]).0)
                return (commit.transaction, .none)
            case .rebalance: then = .rebalance
            case .drain: then = .drain
            case .nextFull, nil: then = nil
            }
            let held = next.begin()
            state = .sending(next, then: then)
            return (commit.transaction, .beginAndSend(held))
        case .running, .open, .processing, .sending, .aborting, .closing, .stopped, .failed:
            preconditionFailure("committed while the relay was \(state)")
        }
    }

    // MARK: - The next transaction's held records

    /// The held records are produced: the transaction is open, and commits when it is due (or
    /// at once, when a rebalance or the drain was waiting).
    mutating func heldRecordsSent(now: ContinuousClock.Instant) -> Action {
        switch state {
        case .sending(let transaction, let then):
            state = .open(transaction)
            if let then { return startCommit(transaction, then, now: now) }
            return tick(now: now)
        case .running, .open, .processing, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("held records sent while the relay was \(state)")
        }
    }

    /// Producing the held record tagged `tag` failed: abort and redo, as for a produce error while
    /// processing; a record refused for good (too large) is dead-lettered by the redo.
    mutating func heldRecordFailed(_ error: KafkaError, tag: Int?, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .sending(let transaction, let then):
            if error.isFatal { return fail(.kafka(error, during: "produce")) }
            return startAbort(
                transaction, then: then == .drain ? .close : .rewind, cause: error, now: now,
                rejections: Self.rejection(error, tag: tag))
        case .running, .open, .processing, .committing, .aborting, .closing, .stopped, .failed:
            preconditionFailure("a held record failed while the relay was \(state)")
        }
    }

    // MARK: - Abort

    /// - Parameter commitDeadline: the failed commit's; an abort after a commit gets at least the
    ///   time the commit had left, and at least `operation.timeout`. A drain's abort gets the
    ///   drain's time to its end instead (the stop timeout does not grow), whatever the commit had
    ///   left: its commit steps ended by `drainCommitEnd(now:)`, which leaves it the last quarter.
    private mutating func startAbort(
        _ transaction: OpenTransaction, next: OpenTransaction? = nil, then: AfterAbort, cause: KafkaError?,
        now: ContinuousClock.Instant, commitDeadline: ContinuousClock.Instant? = nil,
        rejections: [Int: KafkaError] = [:]
    ) -> Action {
        if cause != nil {
            consecutiveAborts += 1
            if consecutiveAborts > maxConsecutiveAborts {
                return fail(.repeatedAborts(consecutiveAborts, last: cause))
            }
        }
        let deadline = then == .close ? drainEnd(now: now) : max(commitDeadline ?? now, now + operationTimeout)
        state = .aborting(
            Abort(transaction: transaction, next: next, then: then, deadline: deadline, rejections: rejections))
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
        case .running, .open, .processing, .committing, .sending, .closing, .stopped, .failed:
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
            var (handover, refused) = abort.transaction.handoverAfterAbort(
                rejections: rejections.merging(abort.rejections) { first, _ in first })
            if let next = abort.next {
                // It began from what the aborted one handed over, plus what it was given since.
                handover.nextTag = max(handover.nextTag, next.nextTag)
                handover.dueTombstones = next.dueTombstones
            }
            switch abort.then {
            case .rewind:
                state = .running(handover)
                return (refused, .rewind(abort.transaction.rewindOffsets(keeping: partitions, with: abort.next)))
            case .drop:
                state = .running(handover)
                return (refused, .none)
            case .close:
                state = .closing
                return (refused, .close)
            }
        case .running, .open, .processing, .committing, .sending, .closing, .stopped, .failed:
            preconditionFailure("aborted while the relay was \(state)")
        }
    }

    /// The drain's deadline: `drain-timeout` from the first stop request (or from `now`, for a
    /// drain no stop request started), never later.
    private func drainEnd(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        min(drainDeadline ?? now + drainTimeout, now + drainTimeout)
    }

    /// Exactly-once, when the drain's commit steps must be over: the last quarter of the drain
    /// is its abort's, so that a commit failing at its end still aborts in time, and the relay
    /// closes with exit 0 instead of failing for want of time.
    private func drainCommitEnd(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        drainEnd(now: now) - drainTimeout / 4
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
