import Kafka

/// A commit that runs while the relay goes on with the next batches: exactly-once a
/// `commit_transaction` (``RelayStateMachine/Action/startCommitTransaction(timeout:)``),
/// at-least-once the wait for the delivery of the records produced before it
/// (``RelayStateMachine/Action/startDelivery(commitOffsets:timeout:)``). An unstructured task
/// whose call waits on the producer's own thread (or for its delivery reports), so the relay's
/// task is free to poll the consumer. The relay races its end against each poll
/// (``endUnlessCancelled()`` in a task group, the poll and the wait both end at once when
/// cancelled), or waits for it (``end()``, on ``RelayStateMachine/Action/awaitCommit``). One
/// waiter at a time: the relay's task, or one child of it.
final class CommitInFlight: Sendable {
    private struct State {
        var result: Result<Void, KafkaError>?
        var waiter: CheckedContinuation<Result<Void, KafkaError>?, Never>?
    }

    /// What the commit is.
    enum Kind: Sendable {
        /// Exactly-once: `commit_transaction`.
        case transaction
        /// At-least-once: the records before the mark delivered, these offsets are to be committed.
        case delivery(thenCommit: [TopicPartitionOffset])
    }

    let kind: Kind
    /// When the commit started (its duration is a metric).
    let started: ContinuousClock.Instant
    private let state = Locked(State())

    /// Starts `producer`'s `commit_transaction` with this timeout.
    convenience init(committing producer: KafkaProducer, timeout: Duration) {
        self.init(.transaction) { () throws(KafkaError) in try await producer.commitTransaction(timeout: timeout) }
    }

    /// Starts waiting, up to `timeout`, for the delivery of every record `producer` has enqueued
    /// so far (not of the ones enqueued after), before `offsets` are committed.
    convenience init(delivering producer: KafkaProducer, timeout: Duration, thenCommit offsets: [TopicPartitionOffset])
    {
        let mark = producer.deliveryMark
        self.init(.delivery(thenCommit: offsets)) { () throws(KafkaError) in
            try await producer.waitForDelivery(before: mark, timeout: timeout)
        }
    }

    private init(_ kind: Kind, _ body: @escaping @Sendable () async throws(KafkaError) -> Void) {
        self.kind = kind
        started = .now
        Task { [state] in
            let result: Result<Void, KafkaError>
            do throws(KafkaError) {
                try await body()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            let waiter = state.withLock { state in
                state.result = result
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: result)
        }
    }

    /// The commit's result if it has ended, without waiting: the loop looks before it judges
    /// records its poll ahead found (with a backlog it always finds some, and would otherwise
    /// notice the end only once the next transaction is full).
    var result: Result<Void, KafkaError>? {
        state.withLock { $0.result }
    }

    /// The commit's result, once it ended, whatever happens to the waiting task: nothing else may
    /// happen in the transaction until the commit ends.
    func end() async -> Result<Void, KafkaError> {
        guard let result = await wait(cancellable: false) else {
            preconditionFailure("a wait that ignores cancellation returned without a result")
        }
        return result
    }

    /// The commit's result, once it ended; `nil` as soon as the waiting task is cancelled (the
    /// commit goes on).
    func endUnlessCancelled() async -> Result<Void, KafkaError>? {
        await withTaskCancellationHandler {
            await wait(cancellable: true)
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    private func wait(cancellable: Bool) async -> Result<Void, KafkaError>? {
        await withCheckedContinuation { continuation in
            let ready: Result<Void, KafkaError>?? = state.withLock { state in
                if let result = state.result { return .some(result) }
                // Checked under the lock: a cancellation handler that ran before this finds no waiter.
                if cancellable && Task.isCancelled { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
