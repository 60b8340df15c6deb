import Kafka
import Logging

/// The process's log level, shared by every logger, changed at runtime by a reload (SIGHUP).
final class LogLevelSwitch: Sendable {
    private let current: Locked<Logger.Level>

    init(_ level: Logger.Level) {
        current = Locked(level)
    }

    var level: Logger.Level {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}
