/// Where a setting's value came from, for error messages and `check-config`.
enum ConfigurationSource: Equatable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case environment(name: String)
    /// A systemd credential (`LoadCredential=`), a file in `$CREDENTIALS_DIRECTORY`.
    case credential(name: String)
    case flag

    var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line): "\(path) line \(line)"
        case .environment(let name): "environment \(name)"
        case .credential(let name): "credential \(name)"
        case .flag: "--set"
        }
    }
}

/// One raw setting before typing: key, text and origin.
struct RawSetting: Equatable {
    var key: String
    var value: String
    var source: ConfigurationSource
}

/// A configuration mistake: one line naming the key, where it came from, and the fix.
struct ConfigurationError: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    init(key: String, source: ConfigurationSource, _ problem: String) {
        self.message = "\(key) (\(source)): \(problem)"
    }

    var description: String { message }
}
