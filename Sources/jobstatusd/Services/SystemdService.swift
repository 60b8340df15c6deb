import Logging
import Relay
import ServiceLifecycle

/// Talks to systemd for the relay (DESIGN.md section 5): `READY=1` once the
/// first restore is done and the relay runs, `STATUS=` lines with progress,
/// `WATCHDOG=1` only while the relay loop shows a recent heartbeat (a stuck
/// loop lets the watchdog fire), `EXTEND_TIMEOUT_USEC=` while the first restore makes progress
/// (``StartTimeoutExtension``), and `STOPPING=1` when the drain begins.
struct SystemdService: Service {
    let socket: SystemdNotifySocket
    let status: RelayStatus
    let logger: Logger
    /// How often to send `STATUS=`, `EXTEND_TIMEOUT_USEC=` and `WATCHDOG=1` (when healthy).
    var tick: Duration { min(socket.watchdogInterval ?? .seconds(1), .seconds(1)) }
    /// Until READY=1, how often to look for readiness: systemd hears of it at most this late
    /// (with `tick`, a start was up to a second later than the relay).
    static let readinessTick = Duration.milliseconds(10)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ready = false
            var lastStatus = ""
            var startTimeout = StartTimeoutExtension()
            var nextRound = ContinuousClock.now
            while !Task.isCancelled {
                let snapshot = status.current
                let now = ContinuousClock.now
                let round = now >= nextRound
                if round { nextRound = now + tick }
                if round, !ready, let more = startTimeout.observe(snapshot, now: now) {
                    socket.send("EXTEND_TIMEOUT_USEC=\(more.wholeMicroseconds)")
                }
                if !ready && snapshot.isReady {
                    ready = true
                    lastStatus = snapshot.statusLine
                    socket.send("READY=1\nSTATUS=\(snapshot.statusLine)")
                    logger.notice("ready: told systemd READY=1")
                }
                if round, snapshot.statusLine != lastStatus {
                    lastStatus = snapshot.statusLine
                    socket.send("STATUS=\(lastStatus)")
                }
                if round, let watchdog = socket.watchdogInterval, Self.isHealthy(snapshot, within: watchdog * 2) {
                    socket.send("WATCHDOG=1")
                }
                let untilRound = max(.zero, nextRound - ContinuousClock.now)
                try? await Task.sleep(for: ready ? untilRound : min(untilRound, Self.readinessTick))
            }
        }
        socket.send("STOPPING=1\nSTATUS=draining: finishing the open transaction, leaving the group")
    }

    /// Healthy: the loop beat recently (it beats on every poll, busy or idle), or it is still restoring.
    static func isHealthy(_ snapshot: RelaySnapshot, within limit: Duration) -> Bool {
        switch snapshot.phase {
        case .failed, .stopped: return false
        default: return ContinuousClock.now - snapshot.lastHeartbeat < limit
        }
    }
}
