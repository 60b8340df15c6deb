import CRdKafka

/// A producer's topic handles (`rd_kafka_topic_t`), made at each topic's first record and kept
/// until the producer lets go of its client.
///
/// Why: a record produced by topic name makes librdkafka look the topic up under its client's
/// write lock, the lock its broker threads take for reading, and makes Swift write the name out
/// as a C string (an allocation); a record produced by handle does neither.
final class ProducerTopics: Sendable {
    private struct State {
        var handles: [String: UnsafeSendableHandle] = [:]
        /// The last topic asked for: a producer mostly produces to one, whose name then
        /// compares equal by identity, with no hashing per record.
        var last: (topic: String, handle: UnsafeSendableHandle)?
        var released = false
    }

    private let state = Locked(State())

    /// The handle of `topic` in `client`; `nil` after ``release()``, or if librdkafka made none
    /// (the record is then produced by name, and librdkafka says what is wrong with it).
    func handle(of topic: String, in client: OpaquePointer) -> OpaquePointer? {
        state.withLock { state in
            if let last = state.last, last.topic == topic { return last.handle.pointer }
            if let handle = state.handles[topic] {
                state.last = (topic, handle)
                return handle.pointer
            }
            guard !state.released, let made = rd_kafka_topic_new(client, topic, nil) else { return nil }
            let handle = UnsafeSendableHandle(made)
            state.handles[topic] = handle
            state.last = (topic, handle)
            return made
        }
    }

    /// Drops the handles, once; always before the client is destroyed (a handle destroyed after
    /// `rd_kafka_destroy` would touch freed memory). A record already being produced with one
    /// is safe: librdkafka keeps the topic itself for as long as its client lives.
    func release() {
        let handles = state.withLock { state in
            defer {
                state.handles = [:]
                state.last = nil
                state.released = true
            }
            return state.handles.values
        }
        for handle in handles { rd_kafka_topic_destroy(handle.pointer) }
    }
}
