import Foundation

/// Files a test hands to the binary (configuration files, credentials), in the temporary folder.
enum TemporaryFile {
    /// Writes `text` to a fresh file (or to `path`) and returns its path.
    static func write(_ text: String, to path: String? = nil, suffix: String = ".yaml") throws -> String {
        let path = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("jsd-\(UUID())\(suffix)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
