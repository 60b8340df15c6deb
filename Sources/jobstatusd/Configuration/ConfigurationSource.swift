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
