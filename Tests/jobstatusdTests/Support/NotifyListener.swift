import Foundation
import Kafka

#if canImport(Glibc)
    import Glibc
#endif

/// A stand-in for systemd's notification socket: an abstract AF_UNIX datagram
/// socket that records every message the daemon sends.
final class NotifyListener: @unchecked Sendable {
    // @unchecked: the reader thread owns `descriptor`.
    let name: String
    private let descriptor: Int32
    private let messages = Locked<[(at: ContinuousClock.Instant, text: String)]>([])

    init() throws {
        name = "@jsd-test-\(UUID().uuidString.prefix(12))"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        bytes[0] = 0
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in self.receive() }
        thread.start()
    }

    private let closed = Locked(false)

    func close() {
        closed.withLock { $0 = true }
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closed.withLock({ $0 }) {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                messages.withLock { $0.append((.now, text)) }
            }
        }
        Glibc.close(descriptor)
    }

    /// Every message so far.
    var all: [(at: ContinuousClock.Instant, text: String)] { messages.withLock { $0 } }

    /// Waits (bounded) for a message containing `text`.
    func waitFor(_ text: String, timeout: Duration = .seconds(60)) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = all.first(where: { $0.text.contains(text) }) { return found.at }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw POSIXError(.ETIMEDOUT)
    }

    /// Waits (bounded) for a message containing `text` that arrived after `instant`.
    func waitFor(
        _ text: String, after instant: ContinuousClock.Instant, timeout: Duration = .seconds(60)
    ) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = all.first(where: { $0.at > instant && $0.text.contains(text) }) { return found.at }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw POSIXError(.ETIMEDOUT)
    }

    /// Waits (bounded) until no message containing `text` has come for `gap`: what systemd's
    /// watchdog sees before it fires. Returns when the silence began.
    func waitForSilence(
        of text: String, lasting gap: Duration, after instant: ContinuousClock.Instant,
        timeout: Duration = .seconds(60)
    ) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let last = all.last { $0.text.contains(text) }?.at ?? instant
            let since = max(last, instant)
            if ContinuousClock.now - since >= gap { return since }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw POSIXError(.ETIMEDOUT)
    }

    func count(_ text: String, after instant: ContinuousClock.Instant) -> Int {
        all.filter { $0.at > instant && $0.text.contains(text) }.count
    }
}
