extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws ``InvalidEvent``: the standard one rethrows
    /// untyped errors, which would lose the type at every `[UInt8]` entry point.
    func withTypedUnsafeBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws(InvalidEvent) -> Result
    ) throws(InvalidEvent) -> Result {
        let outcome: Swift.Result<Result, InvalidEvent> = withUnsafeBytes { buffer in
            Swift.Result { () throws(InvalidEvent) in try body(buffer) }
        }
        return try outcome.get()
    }
}
