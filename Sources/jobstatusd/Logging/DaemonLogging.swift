import Logging

/// Logging to stderr (journald under systemd), bootstrapped once per process.
enum DaemonLogging {
    /// Installs ``DaemonLogHandler`` for every logger; returns the switch a reload turns.
    @discardableResult
    static func bootstrap(level: Logger.Level, format: LogFormat = .text) -> LogLevelSwitch {
        let levelSwitch = LogLevelSwitch(level)
        let toJournal = JournalStream.isStandardError()
        LoggingSystem.bootstrap { label in
            DaemonLogHandler(label: label, format: format, toJournal: toJournal, levelSwitch: levelSwitch)
        }
        return levelSwitch
    }
}
