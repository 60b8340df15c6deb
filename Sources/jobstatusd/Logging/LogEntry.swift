import Logging

/// What one log call said, with the handler's and the call's metadata merged (sorted by key).
struct LogEntry {
    var level: Logger.Level
    var label: String
    var message: String
    var metadata: [(key: String, value: Logger.MetadataValue)]
}
