#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes all of `bytes` to a file descriptor, retrying on short writes and EINTR.
func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}

/// Writes `text` to stderr in one call (keeps concurrent lines whole).
func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in writeAll(UnsafeRawBufferPointer(bytes), to: STDERR_FILENO) }
}

/// A buffered writer for stdout bytes (canonical lines can be many).
final class StandardOutput {
    private var buffer: [UInt8] = []
    private let flushThreshold = 64 * 1024

    init() {
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit {
        flush()
    }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flush() }
    }

    func writeLine(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= flushThreshold { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll($0, to: STDOUT_FILENO) }
        buffer.removeAll(keepingCapacity: true)
    }
}
