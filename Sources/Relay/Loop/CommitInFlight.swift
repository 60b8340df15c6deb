import Kafka

/// Exactly-once, a `commit_transaction` that runs while the relay goes on with the next batches
/// (``RelayStateMachine/Action/startCommitTransaction(timeout:)``): an unstructured task whose
/// call waits on the producer's own thread, so the relay's task is free to poll the consumer.
/// The relay races its end against each poll (``endUnlessCancelled()`` in a task group, the
/// poll and the wait both end at once when cancelled), or waits for it
/// (``end()``, on ``RelayStateMachine/Action/awaitCommit``). One waiter at a time: the relay's task, or one
/// child of it.
final class CommitInFlight: Sendable {
    private struct State {
        var result: Result<Void, KafkaError>?
        var waiter: CheckedContinuation<Result<Void, KafkaError>?, Never>?
    }

    /// When the commit started (its duration is a metric).
    let started: ContinuousClock.Instant
    private let state = Locked(State())

    /// Starts `producer`'s `commit_transaction` with this timeout.
    init(_ producer: KafkaProducer, timeout: Duration) {
        started = .now
        Task { [state] in
            let result: Result<Void, KafkaError>
            do throws(KafkaError) {
                try await producer.commitTransaction(timeout: timeout)
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
