import Foundation
import Logging

/// jobstatusd's log handler: one line per event on stderr, in the configured ``LogFormat``.
///
/// Under journald (stderr is the journal stream) each line starts with its syslog priority
/// (`<4>` for warning, ...), so `journalctl -p warning` filters as operators expect, and
/// carries no timestamp, since the journal stamps lines itself. The level comes from a shared
/// ``LogLevelSwitch``, so SIGHUP can change it in every logger at once.
struct DaemonLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    let toJournal: Bool
    let levelSwitch: LogLevelSwitch
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// A level set on one logger (`logger.logLevel = ...`); otherwise the shared switch decides.
    private var levelOverride: Logger.Level?

    init(label: String, format: LogFormat, toJournal: Bool, levelSwitch: LogLevelSwitch) {
        self.label = label
        self.format = format
        self.toJournal = toJournal
        self.levelSwitch = levelSwitch
    }

    var logLevel: Logger.Level {
        get { levelOverride ?? levelSwitch.level }
        set { levelOverride = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let entry = LogEntry(
            level: event.level, label: label, message: event.message.description,
            metadata: merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        var line = format.render(entry, timestamp: toJournal ? nil : Self.timestamp())
        if toJournal { line = "<\(Self.syslogPriority(event.level))>" + line }
        writeToStandardError(line + "\n")
    }

    /// sd-daemon(3) priorities: the prefix journald reads from a stream line.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp() -> String {
        Date.now.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
