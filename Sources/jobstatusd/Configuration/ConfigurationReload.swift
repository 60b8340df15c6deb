import Kafka
import Logging

/// What a reload (SIGHUP, `systemctl reload`) does: read the configuration again from the same
/// file, environment and flags, apply what can change while running (``reloadableKeys``),
/// and name every other setting that changed, which takes effect on the next restart.
///
/// A configuration that no longer loads changes nothing: the running one stays.
final class ConfigurationReload: Sendable {
    /// The settings a running daemon applies on reload.
    static let reloadableKeys: Set<String> = ["log.level"]

    /// What one reload did.
    struct Outcome: Equatable {
        /// Reloadable settings whose value changed, now applied.
        var applied: [String]
        /// Other settings whose value changed: they wait for a restart.
        var needRestart: [String]
    }

    private let levelSwitch: LogLevelSwitch
    private let load: @Sendable () throws(ConfigurationError) -> DaemonConfiguration
    /// The values in force, by key (secrets as redacted text).
    private let inForce: Locked<[String: String]>

    init(
        running: DaemonConfiguration, levelSwitch: LogLevelSwitch,
        load: @escaping @Sendable () throws(ConfigurationError) -> DaemonConfiguration
    ) {
        self.levelSwitch = levelSwitch
        self.load = load
        self.inForce = Locked(Self.values(of: running))
    }

    /// Loads the configuration again and applies it; throws (changing nothing) when it does not load.
    func reload() throws(ConfigurationError) -> Outcome {
        let configuration = try load()
        let new = Self.values(of: configuration)
        return inForce.withLock { old in
            let changed = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
            var outcome = Outcome(applied: [], needRestart: [])
            for key in changed {
                if Self.reloadableKeys.contains(key) {
                    outcome.applied.append(key)
                    old[key] = new[key]
                } else {
                    outcome.needRestart.append(key)
                }
            }
            levelSwitch.level = configuration.logLevel
            return outcome
        }
    }

    private static func values(of configuration: DaemonConfiguration) -> [String: String] {
        Dictionary(configuration.effective.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}
