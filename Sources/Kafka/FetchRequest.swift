import Synchronization

/// One pending ``KafkaConsumer/poll(maxMessages:timeout:)``: completed exactly once. Two
/// requests are equal when they are the same poll.
final class FetchRequest: Sendable, Equatable {
    let maxMessages: Int
    let deadline: ContinuousClock.Instant
    private let outcome = Locked(Outcome.pending)
    private let cancelled = Atomic<Bool>(false)

    init(maxMessages: Int, timeout: Duration) {
        self.maxMessages = maxMessages
        self.deadline = ContinuousClock.now.advanced(by: timeout)
    }

    /// Who waits for the event, or the event when it came first.
    private enum Outcome {
        case pending
        case awaited(CheckedContinuation<KafkaConsumerEvent, Never>)
        case completed(KafkaConsumerEvent)
        case delivered
    }

    /// Resumes `continuation` with the event: at once if it came already, else when it comes.
    func setContinuation(_ continuation: CheckedContinuation<KafkaConsumerEvent, Never>) {
        let event: KafkaConsumerEvent? = outcome.withLock { outcome in
            switch outcome {
            case .pending:
                outcome = .awaited(continuation)
                return nil
            case .completed(let event):
                outcome = .delivered
                return event
            case .awaited, .delivered:
                preconditionFailure("a poll's event is awaited once")
            }
        }
        if let event { continuation.resume(returning: event) }
    }

    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Resumes the caller, or keeps the event until it waits; later calls do nothing.
    func complete(_ event: KafkaConsumerEvent) {
        let waiting: CheckedContinuation<KafkaConsumerEvent, Never>? = outcome.withLock { outcome in
            switch outcome {
            case .pending:
                outcome = .completed(event)
                return nil
            case .awaited(let continuation):
                outcome = .delivered
                return continuation
            case .completed, .delivered:
                return nil
            }
        }
        waiting?.resume(returning: event)
    }

    /// Milliseconds left until the deadline (0 when passed).
    var remainingMilliseconds: Int32 {
        let remaining = ContinuousClock.now.duration(to: deadline)
        return remaining <= .zero ? 0 : max(1, remaining.timeoutMilliseconds)
    }

    static func == (lhs: FetchRequest, rhs: FetchRequest) -> Bool { lhs === rhs }
}
