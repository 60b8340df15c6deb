import Foundation
import Logging
import Relay
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// SIGHUP re-reads the configuration (``ConfigurationReload``) instead of killing the process.
/// Under systemd it brackets the reload with `RELOADING=1` and `READY=1`, so that
/// `systemctl reload` (the unit's `ExecReload=`) waits for it to finish.
struct ReloadService: Service {
    let reload: ConfigurationReload
    let socket: SystemdNotifySocket?
    let status: RelayStatus
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                handleReload()
            }
        }
    }

    private func handleReload() {
        // Before READY=1, systemd has no reload to wait for: apply quietly.
        let tellSystemd = status.current.isReady ? socket : nil
        tellSystemd?.send(
            "RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())\nSTATUS=reloading the configuration")
        do {
            let outcome = try reload.reload()
            logger.notice(
                "reloaded the configuration",
                metadata: ["applied": "\(outcome.applied)", "log.level": "\(logger.logLevel)"])
            for key in outcome.needRestart {
                logger.warning("\(key) changed in the configuration; it takes effect on the next restart")
            }
        } catch {
            logger.error("reload failed; the running configuration stays: \(error)")
        }
        tellSystemd?.send("READY=1\nSTATUS=\(status.current.statusLine)")
    }

    /// CLOCK_MONOTONIC in microseconds, as sd_notify's MONOTONIC_USEC= wants it.
    private static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
