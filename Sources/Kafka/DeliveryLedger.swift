/// Sums delivery reports as librdkafka serves them (on the producer thread), and keeps the
/// window of records not reported yet, with the tasks waiting for part of it.
final class DeliveryLedger: Sendable {
    private struct State {
        var report = DeliveryReport()
        var window = DeliveryWindow()
        /// Tasks waiting until every record before a sequence number is reported, by waiter id.
        var waiters: [Int: (before: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiterID = 0
    }

    private let state = Locked(State())

    /// A record tagged `tag` is about to be enqueued: its sequence number (its opaque pointer).
    func enqueueing(tag: Int?) -> UInt64 {
        state.withLock { $0.window.enqueue(tag: tag) }
    }

    /// librdkafka refused the record numbered `sequence` at once: it will not be reported.
    func notEnqueued(_ sequence: UInt64) {
        let ready = state.withLock { state in
            _ = state.window.report(sequence)
            return Self.takeReady(&state)
        }
        for continuation in ready { continuation.resume() }
    }

    /// The delivery report of the record numbered `sequence`.
    func record(_ error: KafkaError?, sequence: UInt64) {
        let ready = state.withLock { state in
            let tag = state.window.report(sequence)
            if let error {
                state.report.failedCount += 1
                if state.report.failures.count < 100 { state.report.failures.append(error) }
                if let tag, state.report.failedTags.count < 10_000 { state.report.failedTags[tag] = error }
            } else {
                state.report.delivered += 1
            }
            return Self.takeReady(&state)
        }
        for continuation in ready { continuation.resume() }
    }

    func take() -> DeliveryReport {
        state.withLock { state in
            defer { state.report = DeliveryReport() }
            return state.report
        }
    }

    /// The sequence number the next record gets.
    var nextSequence: UInt64 {
        state.withLock { $0.window.nextSequence }
    }

    /// Returns once every record numbered below `sequence` is reported, or at once when the
    /// task is cancelled.
    func waitUntilReported(before sequence: UInt64) async {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state in
                    // Checked under the lock: a cancellation handler that ran before this finds no waiter.
                    if state.window.firstUnreported >= sequence || Task.isCancelled { return true }
                    state.waiters[id] = (sequence, continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    private static func takeReady(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard !state.waiters.isEmpty else { return [] }
        let reported = state.window.firstUnreported
        let ready = state.waiters.filter { $0.value.before <= reported }
        for id in ready.keys { state.waiters.removeValue(forKey: id) }
        return ready.map(\.value.continuation)
    }
}
