import Foundation

/// Files a test hands to the binary (configuration files, credentials, logs): all in one
/// folder per test process, removed when the process exits, so runs leave nothing behind.
enum TemporaryFile {
    static let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jobstatusd-tests-\(getpid())")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TemporaryFile.directory) }
        return path
    }()

    /// A fresh path in ``directory``: `prefix`, a UUID, `suffix`.
    static func path(_ prefix: String = "jsd-", suffix: String = "") -> String {
        directory + "/" + prefix + UUID().uuidString + suffix
    }

    /// Writes `text` to a fresh file (or to `path`) and returns its path.
    static func write(_ text: String, to path: String? = nil, suffix: String = ".yaml") throws -> String {
        let path = path ?? Self.path(suffix: suffix)
        // Not atomically: Foundation's atomic write leaves a TemporaryDirectory.* folder behind.
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }
}
