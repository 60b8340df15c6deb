import Logging

/// How a log line is written (`log.format`): `text` for people, `json` and `logfmt` for
/// log shippers, with every metadata entry as its own field.
enum LogFormat: String, CaseIterable, Sendable {
    case text
    case json
    case logfmt

    /// One line (no trailing newline). `timestamp` is nil under journald, which stamps lines itself.
    func render(_ entry: LogEntry, timestamp: String?) -> String {
        switch self {
        case .text: Self.text(entry, timestamp: timestamp)
        case .json: Self.json(entry, timestamp: timestamp)
        case .logfmt: Self.logfmt(entry, timestamp: timestamp)
        }
    }

    /// `2026-11-26T07:22:25.123Z warning jobstatusd: message key=value`, control characters escaped
    /// so that one event stays one line.
    private static func text(_ entry: LogEntry, timestamp: String?) -> String {
        var line = timestamp.map { $0 + " " } ?? ""
        line += "\(entry.level) \(entry.label): \(LogEscaping.controlCharacters(entry.message))"
        for (key, value) in entry.metadata {
            line += " \(key)=\(LogEscaping.logfmtValue(value.logText))"
        }
        return line
    }

    private static func json(_ entry: LogEntry, timestamp: String?) -> String {
        var fields: [(String, String)] = []
        if let timestamp { fields.append(("ts", LogEscaping.jsonString(timestamp))) }
        fields.append(("level", LogEscaping.jsonString("\(entry.level)")))
        fields.append(("logger", LogEscaping.jsonString(entry.label)))
        fields.append(("msg", LogEscaping.jsonString(entry.message)))
        for (key, value) in entry.metadata where !["ts", "level", "logger", "msg"].contains(key) {
            fields.append((key, value.jsonText))
        }
        return "{" + fields.map { "\(LogEscaping.jsonString($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    private static func logfmt(_ entry: LogEntry, timestamp: String?) -> String {
        var fields: [String] = []
        if let timestamp { fields.append("ts=\(timestamp)") }
        fields.append("level=\(entry.level)")
        fields.append("logger=\(LogEscaping.logfmtValue(entry.label))")
        fields.append("msg=\(LogEscaping.logfmtValue(entry.message, alwaysQuote: true))")
        for (key, value) in entry.metadata where !["ts", "level", "logger", "msg"].contains(key) {
            fields.append("\(LogEscaping.logfmtKey(key))=\(LogEscaping.logfmtValue(value.logText))")
        }
        return fields.joined(separator: " ")
    }
}

extension Logger.MetadataValue {
    /// Plain text of a value (nested values in Swift's literal form).
    var logText: String {
        switch self {
        case .string(let string): string
        case .stringConvertible(let value): value.description
        case .array(let values): "[" + values.map(\.logText).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.logText)" }.joined(separator: ",")
                + "}"
        }
    }

    /// The value as JSON: strings, arrays and objects.
    var jsonText: String {
        switch self {
        case .string(let string): LogEscaping.jsonString(string)
        case .stringConvertible(let value): LogEscaping.jsonString(value.description)
        case .array(let values): "[" + values.map(\.jsonText).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{"
                + values.sorted { $0.key < $1.key }.map { "\(LogEscaping.jsonString($0.key)):\($0.value.jsonText)" }
                .joined(separator: ",") + "}"
        }
    }
}
