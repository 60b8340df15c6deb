import CRdKafka

/// librdkafka properties, passed through unchanged (SASL, TLS, tuning: any
/// key of librdkafka's CONFIGURATION.md), with typed accessors for the ones
/// jobstatusd sets itself.
///
/// Values are validated by librdkafka when a client is created: a rejected
/// property becomes a ``KafkaError`` naming the key, the value (redacted when
/// secret) and librdkafka's reason.
public struct KafkaConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// The properties in the order they were set.
    public var properties: [(key: String, value: String)] {
        storage.map { ($0.key, $0.value) }
    }

    private struct Property: Hashable, Sendable {
        var key: String
        var value: String
    }

    private var storage: [Property] = []

    /// An empty configuration (librdkafka's defaults).
    public init() {}

    /// A configuration from key-value pairs; later keys win.
    public init(_ properties: [String: String]) {
        for key in properties.keys.sorted() {
            self[key] = properties[key]
        }
    }

    /// The value of a property, or `nil`; setting `nil` removes it.
    public subscript(key: String) -> String? {
        get { storage.last { $0.key == key }?.value }
        set {
            storage.removeAll { $0.key == key }
            if let newValue { storage.append(Property(key: key, value: newValue)) }
        }
    }

    /// `bootstrap.servers`: the brokers to contact first, `host:port,...`.
    public var bootstrapServers: String? {
        get { self["bootstrap.servers"] }
        set { self["bootstrap.servers"] = newValue }
    }

    /// The same configuration with `other`'s properties set on top.
    public func merging(_ other: KafkaConfiguration) -> KafkaConfiguration {
        var merged = self
        for property in other.storage {
            merged[property.key] = property.value
        }
        return merged
    }

    /// Whether a property holds a secret that must never be logged.
    public static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return [
            "password", "secret", "sasl.oauthbearer.config", "ssl.key.pem", "ssl_key", "ssl.keystore",
            "token", "credentials",
        ]
        .contains { lowered.contains($0) }
    }

    /// The properties with secret values replaced by `[redacted]`, sorted by key.
    public var redacted: [(key: String, value: String)] {
        storage.sorted { $0.key < $1.key }.map { property in
            (property.key, Self.isSecret(property.key) ? "[redacted]" : property.value)
        }
    }

    /// `key=value, ...` with secrets redacted: safe for logs.
    public var description: String {
        redacted.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    // MARK: - librdkafka

    /// Builds an `rd_kafka_conf_t`; the caller owns it until it passes it to `rd_kafka_new`.
    func makeNative() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError.invalidArgument("rd_kafka_conf_new failed")
        }
        for property in storage {
            var reason = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, property.key, property.value, &reason, reason.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let shown = Self.isSecret(property.key) ? "[redacted]" : "\"\(property.value)\""
                let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError.invalidArgument(
                    "kafka property \(property.key)=\(shown) rejected by librdkafka: \(text)")
            }
        }
        return conf
    }
}

extension KafkaConfiguration {
    /// Whether both set the same properties to the same values in the same order (the order they
    /// were last set in).
    public static func == (lhs: KafkaConfiguration, rhs: KafkaConfiguration) -> Bool {
        lhs.storage == rhs.storage
    }

    /// Hashes the properties in order, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }
}

extension KafkaConfiguration {
    /// Only the properties a client of `type` takes (``KafkaPropertyScope``).
    func scoped(to type: rd_kafka_type_t) -> KafkaConfiguration {
        var scoped = KafkaConfiguration()
        scoped.storage = storage.filter { KafkaPropertyScope.applies($0.key, to: type) }
        return scoped
    }

    /// Checks every property with librdkafka without creating a client (no network).
    /// - Throws: ``KafkaError`` naming the rejected key, its value (redacted when secret) and why.
    public func validate() throws(KafkaError) {
        let conf = try makeNative()
        rd_kafka_conf_destroy(conf)
    }
}
