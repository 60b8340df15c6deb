import Kafka

/// Which kafka properties hold secrets (never logged, redacted by `check-config`).
enum KafkaSecrets {
    static func isSecret(_ property: String) -> Bool {
        KafkaConfiguration.isSecret(property)
    }
}
