/// A client that owns a librdkafka handle and its thread, and must be closed.
public protocol KafkaClosing: AnyObject, Sendable {
    /// Closes the client and waits until librdkafka has let go of it.
    func close() async
}

extension KafkaClosing {
    /// Runs `body` with the client, then closes it and waits for the close, whether `body`
    /// returned or threw. (A `defer` cannot await: a close started in a task of its own races
    /// the caller's exit and is never waited for.)
    public func closing<Result, Failure: Error>(
        after body: (Self) async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        let result: Result
        do {
            result = try await body(self)
        } catch {
            await close()
            throw error
        }
        await close()
        return result
    }
}

extension KafkaAdmin: KafkaClosing {}
extension KafkaConsumer: KafkaClosing {}
