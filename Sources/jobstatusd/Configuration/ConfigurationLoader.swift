import Configuration
import Foundation

/// Builds the daemon's configuration from, lowest to highest precedence:
/// built-in defaults, the YAML file, systemd credentials (files in
/// `$CREDENTIALS_DIRECTORY`, each named by its key), `JOBSTATUSD_*` environment
/// variables, `--set key=value` flags (DESIGN.md section 5).
///
/// Each source is flattened to dotted keys with its origin, checked against
/// ``ConfigurationSchema`` (unknown keys are errors, with a "did you mean"),
/// and handed to swift-configuration as one provider per source; a
/// `ConfigReader` over them resolves precedence. Values are then typed, and a
/// bad one is reported with the key, its origin and what is allowed.
struct ConfigurationLoader {
    /// The default configuration file.
    static let defaultPath = "/etc/jobstatusd/jobstatusd.yaml"

    var filePath: String?
    /// Whether a missing file at the default path is fine (it is for `demo`, and for `run` with only env/flags).
    var fileIsOptional: Bool
    var environment: [String: String]
    var flags: [String]

    init(
        filePath: String?, fileIsOptional: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment, flags: [String] = []
    ) {
        self.filePath = filePath
        self.fileIsOptional = fileIsOptional
        self.environment = environment
        self.flags = flags
    }

    func load() throws(ConfigurationError) -> DaemonConfiguration {
        let layers = [try fileSettings(), try credentialSettings(), try environmentSettings(), try flagSettings()]
        for setting in layers.joined() { try check(setting) }
        // One provider per source, highest precedence first.
        let providers: [any ConfigProvider] = layers.reversed().enumerated().map { index, settings in
            InMemoryProvider(
                name: "layer-\(index)",
                values: Dictionary(
                    settings.map {
                        (
                            AbsoluteConfigKey(Self.components($0.key)),
                            ConfigValue(.string($0.value), isSecret: Self.isSecret($0.key))
                        )
                    },
                    uniquingKeysWith: { _, last in last }))
        }
        let reader = ConfigReader(providers: providers)
        var sources: [String: ConfigurationSource] = [:]
        for setting in layers.joined() { sources[setting.key] = setting.source }
        var values: [String: String] = [:]
        for setting in ConfigurationSchema.settings {
            values[setting.key] = reader.string(
                forKey: ConfigKey(Self.components(setting.key)), default: setting.defaultValue)
        }
        var kafka = ConfigurationSchema.kafkaDefaults
        let kafkaKeys = Set(layers.joined().map(\.key).filter { $0.hasPrefix(ConfigurationSchema.kafkaPrefix) })
        for key in kafkaKeys.sorted() {
            let property = String(key.dropFirst(ConfigurationSchema.kafkaPrefix.count))
            kafka[property] = reader.string(forKey: ConfigKey(Self.components(key)), isSecret: Self.isSecret(key))
        }
        return try DaemonConfiguration(values: values, kafka: kafka, sources: sources)
    }

    /// swift-configuration splits keys on dots; kafka property names keep theirs as one component.
    static func components(_ key: String) -> [String] {
        if key.hasPrefix(ConfigurationSchema.kafkaPrefix) {
            return ["kafka", String(key.dropFirst(ConfigurationSchema.kafkaPrefix.count))]
        }
        return key.split(separator: ".").map(String.init)
    }

    static func isSecret(_ key: String) -> Bool {
        key.hasPrefix(ConfigurationSchema.kafkaPrefix)
            && KafkaSecrets.isSecret(String(key.dropFirst(ConfigurationSchema.kafkaPrefix.count)))
    }

    // MARK: - Sources

    private func fileSettings() throws(ConfigurationError) -> [RawSetting] {
        let path = filePath ?? Self.defaultPath
        guard access(path, F_OK) == 0 else {
            if errno == EACCES {
                throw ConfigurationError(
                    "configuration file \(path) cannot be reached by user \(getuid()): a directory on the way is not "
                        + "searchable; make /etc/jobstatusd mode 0755")
            }
            if fileIsOptional && filePath == nil { return [] }
            throw ConfigurationError(
                "configuration file \(path) does not exist; pass --config PATH (see config/jobstatusd.yaml)")
        }
        guard access(path, R_OK) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(
                "configuration file \(path) cannot be read by user \(getuid()) (\(String(cString: strerror(errno)))); "
                    + "make it mode 0644 and keep secrets in secrets.env")
        }
        return try YAMLConfigurationFile.read(path: path, contents: String(decoding: data, as: UTF8.self))
    }

    /// systemd's credentials (`LoadCredential=kafka.sasl.password:/etc/...`): each file in
    /// `$CREDENTIALS_DIRECTORY` named like a setting (`kafka.*` or a key of the schema) is that
    /// setting, its content the value (a final newline dropped). Other files (a TLS key, a CA)
    /// are referenced by path: `%d/tls.key` in the unit. systemd makes the files readable by
    /// the service's user only.
    private func credentialSettings() throws(ConfigurationError) -> [RawSetting] {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return [] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw ConfigurationError(
                "CREDENTIALS_DIRECTORY \(directory) cannot be read by user \(getuid()); check LoadCredential= in the unit"
            )
        }
        let settings = names.filter {
            $0.hasPrefix(ConfigurationSchema.kafkaPrefix) || ConfigurationSchema.setting($0) != nil
        }
        return try settings.sorted().map { name throws(ConfigurationError) in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw ConfigurationError(
                    key: name, source: .credential(name: name), "cannot be read by user \(getuid())")
            }
            var value = String(decoding: data, as: UTF8.self)
            if value.last == "\n" || value.last == "\r\n" { value.removeLast() }
            return RawSetting(key: name, value: value, source: .credential(name: name))
        }
    }

    private func environmentSettings() throws(ConfigurationError) -> [RawSetting] {
        var settings: [RawSetting] = []
        let byName = Dictionary(
            ConfigurationSchema.settings.map { (ConfigurationSchema.environmentName($0.key), $0.key) },
            uniquingKeysWith: { first, _ in first })
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("JOBSTATUSD_") {
            if let key = byName[name] {
                settings.append(RawSetting(key: key, value: value, source: .environment(name: name)))
            } else if name.hasPrefix("JOBSTATUSD_KAFKA_") {
                // librdkafka property names use dots, never underscores: SASL_PASSWORD is sasl.password.
                let property = name.dropFirst("JOBSTATUSD_KAFKA_".count).lowercased()
                    .replacingOccurrences(of: "_", with: ".")
                settings.append(RawSetting(key: "kafka." + property, value: value, source: .environment(name: name)))
            } else {
                throw ConfigurationError(
                    "environment variable \(name) is not a jobstatusd setting; known: "
                        + "JOBSTATUSD_<KEY> for each key of config/jobstatusd.yaml, JOBSTATUSD_KAFKA_<PROPERTY>")
            }
        }
        return settings
    }

    private func flagSettings() throws(ConfigurationError) -> [RawSetting] {
        try flags.map { flag throws(ConfigurationError) in
            guard let equals = flag.firstIndex(of: "="), equals != flag.startIndex else {
                throw ConfigurationError("--set \(flag): expected key=value, e.g. --set output.topic=job-status-latest")
            }
            return RawSetting(
                key: String(flag[..<equals]).trimmingCharacters(in: .whitespaces),
                value: String(flag[flag.index(after: equals)...]), source: .flag)
        }
    }

    private func check(_ setting: RawSetting) throws(ConfigurationError) {
        if setting.key.hasPrefix(ConfigurationSchema.kafkaPrefix) {
            guard setting.key.count > ConfigurationSchema.kafkaPrefix.count else {
                throw ConfigurationError(key: setting.key, source: setting.source, "a kafka property name is missing")
            }
            return
        }
        guard ConfigurationSchema.setting(setting.key) != nil else {
            let hint = ConfigurationSchema.suggestion(for: setting.key).map { "; did you mean \($0)?" } ?? ""
            throw ConfigurationError(
                key: setting.key, source: setting.source,
                "unknown setting\(hint) (librdkafka properties go under kafka:)")
        }
    }
}
