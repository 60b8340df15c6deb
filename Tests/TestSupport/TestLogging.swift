import Foundation
public import Logging

/// Loggers for tests: warnings and worse, unless `TEST_LOG_LEVEL` asks for more.
public enum TestLogging {
    /// A logger labelled `label` at `TEST_LOG_LEVEL` (default `warning`).
    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        let level = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .warning
        return logger
    }
}
