#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads raw lines (bytes, not `String`) from a C stream, so that invalid
/// UTF-8 reaches the decoder untouched instead of being repaired by Swift's
/// string decoding. The newline is not included.
final class LineReader {
    private let stream: UnsafeMutablePointer<FILE>
    private let ownsStream: Bool
    private var buffer: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0

    /// Reads standard input.
    init() throws(LineReaderError) {
        guard let stream = fdopen(STDIN_FILENO, "rb") else {
            throw LineReaderError(message: "cannot read standard input: \(String(cString: strerror(errno)))")
        }
        self.stream = stream
        self.ownsStream = false
    }

    /// Opens `path` for reading; throws a message naming the file and the reason.
    init(path: String) throws(LineReaderError) {
        guard let stream = fopen(path, "rb") else {
            throw LineReaderError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.stream = stream
        self.ownsStream = true
    }

    deinit {
        free(buffer)
        if ownsStream { fclose(stream) }
    }

    /// The next line's bytes, or `nil` at end of input.
    func nextLine() -> [UInt8]? {
        let length = getline(&buffer, &capacity, stream)
        guard length >= 0, let buffer else { return nil }
        var count = length
        if count > 0 && buffer[count - 1] == 0x0A { count -= 1 }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: count) { pointer in
            Array(UnsafeBufferPointer(start: pointer, count: count))
        }
    }
}
