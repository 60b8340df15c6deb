/// A poll already submitted to the consumer's thread (``KafkaConsumer/startPoll(maxMessages:timeout:)``),
/// whose event is awaited later: the records it takes out of librdkafka are converted while the
/// caller works on the ones before them.
public struct KafkaPendingPoll: Sendable {
    let request: FetchRequest
    let thread: ClientThread

    /// The poll's event: records as soon as there are any (up to its `maxMessages`), else an empty
    /// batch at its timeout, a rebalance or an error. When the waiting task is cancelled, the
    /// poll ends at once with what it read. Await it once.
    public func event() async -> KafkaConsumerEvent {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                request.setContinuation(continuation)
            }
        } onCancel: {
            request.cancel()
            thread.submit(ClientThread.Job(body: {}))
        }
    }
}
