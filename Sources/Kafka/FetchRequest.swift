import Synchronization

/// One pending ``KafkaConsumer/poll(maxMessages:timeout:)``: completed exactly once. Two
/// requests are equal when they are the same poll.
final class FetchRequest: Sendable, Equatable {
    let maxMessages: Int
    let deadline: ContinuousClock.Instant
    private let continuation = Locked<CheckedContinuation<KafkaConsumerEvent, Never>?>(nil)
    private let cancelled = Atomic<Bool>(false)

    init(maxMessages: Int, timeout: Duration) {
        self.maxMessages = maxMessages
        self.deadline = ContinuousClock.now.advanced(by: timeout)
    }

    func setContinuation(_ continuation: CheckedContinuation<KafkaConsumerEvent, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Resumes the caller; later calls do nothing.
    func complete(_ event: KafkaConsumerEvent) {
        let pending = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        pending?.resume(returning: event)
    }

    /// Milliseconds left until the deadline (0 when passed).
    var remainingMilliseconds: Int32 {
        let remaining = ContinuousClock.now.duration(to: deadline)
        return remaining <= .zero ? 0 : max(1, remaining.timeoutMilliseconds)
    }

    static func == (lhs: FetchRequest, rhs: FetchRequest) -> Bool { lhs === rhs }
}
