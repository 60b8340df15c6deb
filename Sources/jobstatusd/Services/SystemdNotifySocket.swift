import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// systemd's notification protocol (sd_notify(3)): datagrams of `KEY=value`
/// lines to the AF_UNIX socket named by `$NOTIFY_SOCKET` (a path, or an
/// abstract name written with a leading `@`). The daemon's own PID must send
/// them: the unit's default `NotifyAccess=main` rejects any other sender.
struct SystemdNotifySocket: Sendable {
    let path: String
    /// Half of `$WATCHDOG_USEC` when the watchdog is on for this process.
    let watchdogInterval: Duration?

    /// The socket from the environment, or nil when not run by systemd with `Type=notify`.
    static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> SystemdNotifySocket?
    {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        var interval: Duration? = nil
        if let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 {
            let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
            if pidMatches { interval = .microseconds(microseconds / 2) }
        }
        return SystemdNotifySocket(path: path, watchdogInterval: interval)
    }

    /// Sends one notification (`READY=1`, `STATUS=...`, ...). Failures are returned, never thrown:
    /// a daemon must not die because its supervisor's socket went away.
    @discardableResult
    func send(_ message: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(descriptor, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent >= 0
    }
}
