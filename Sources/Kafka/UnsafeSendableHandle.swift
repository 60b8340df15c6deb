import CRdKafka

/// An `rd_kafka_t` pointer carried into a job on the client thread.
struct UnsafeSendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
