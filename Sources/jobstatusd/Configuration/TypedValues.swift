import Kafka
import Logging

/// Typed reads of the merged values, with errors that name key, origin and what is allowed.
/// Each read names a declared ``ConfigurationSchema/Setting`` (never a key string), whose kind
/// decides how its text, the default included, is parsed.
struct TypedValues {
    typealias Setting = ConfigurationSchema.Setting

    let values: [String: String]
    let sources: [String: ConfigurationSource]

    func source(_ setting: Setting) -> ConfigurationSource { sources[setting.key] ?? .defaultValue }

    /// Where a `kafka.*` property came from (those keys are open, not declared settings).
    func source(ofKafkaKey key: String) -> ConfigurationSource { sources[key] ?? .defaultValue }

    func text(_ setting: Setting) -> String {
        values[setting.key] ?? setting.defaultValue
    }

    /// An error about `setting`, naming where its value came from.
    func error(_ setting: Setting, _ message: String) -> ConfigurationError {
        ConfigurationError(key: setting.key, source: source(setting), message)
    }

    func nonEmpty(_ setting: Setting) throws(ConfigurationError) -> String {
        let value = text(setting).trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw error(setting, "must not be empty") }
        return value
    }

    func list(_ setting: Setting) throws(ConfigurationError) -> [String] {
        let items = text(setting).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        guard !items.isEmpty else { throw error(setting, "needs at least one topic, e.g. [job-status]") }
        return items
    }

    func bool(_ setting: Setting) throws(ConfigurationError) -> Bool {
        switch text(setting).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw error(setting, "\"\(text(setting))\" is not true or false")
        }
    }

    func integer(_ setting: Setting) throws(ConfigurationError) -> Int {
        guard case .integer(let minimum) = setting.kind, let value = Int(text(setting)) else {
            throw error(setting, "\"\(text(setting))\" is not a whole number")
        }
        guard value >= minimum else { throw error(setting, "\(value) is below the minimum of \(minimum)") }
        return value
    }

    func choice<Choice: ConfigurationChoice>(
        _ setting: Setting, as _: Choice.Type
    ) throws(ConfigurationError) -> Choice {
        guard let choice = Choice(rawValue: text(setting).lowercased()) else {
            throw error(setting, "\"\(text(setting))\" is not one of \(Choice.words.joined(separator: ", "))")
        }
        return choice
    }

    func duration(_ setting: Setting) throws(ConfigurationError) -> Duration {
        guard let duration = DurationText.parse(text(setting)) else {
            throw error(setting, "\"\(text(setting))\" is not a duration like 100ms, 5s, 1m, 2h or 7d")
        }
        return duration
    }

    func listenAddress(_ setting: Setting) throws(ConfigurationError) -> (host: String, port: Int)? {
        let value = text(setting).trimmingCharacters(in: .whitespaces)
        if value.isEmpty { return nil }
        guard let address = ListenAddress.parse(value) else {
            throw error(setting, "\"\(value)\" is not host:port (e.g. 127.0.0.1:9464), or \"\" for off")
        }
        return address
    }

    func logLevel(_ setting: Setting) throws(ConfigurationError) -> Logger.Level {
        guard let level = Logger.Level(rawValue: text(setting).lowercased()) else {
            throw error(
                setting, "\"\(text(setting))\" is not one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
}
