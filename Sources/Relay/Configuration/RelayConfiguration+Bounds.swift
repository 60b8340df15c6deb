import Kafka

extension RelayConfiguration {
    /// The librdkafka properties whose values the relay sets itself or must bound, by name: the
    /// configuration checks name them in their errors.
    public enum ManagedProperty {
        /// Set from ``RelayConfiguration/transactionTimeout``; an operator's value is an error.
        public static let transactionTimeout = "transaction.timeout.ms"
        /// Defaulted to ``RelayConfiguration/minimumPollInterval`` (or librdkafka's 300 s).
        public static let maxPollInterval = "max.poll.interval.ms"
        /// `message.timeout.ms` and the other name librdkafka accepts for it.
        public static let messageTimeout = ["message.timeout.ms", "delivery.timeout.ms"]
    }

    /// The least consumer `max.poll.interval.ms` the relay needs: a rebalance is handled inside
    /// the consumer's poll, and librdkafka takes a poll that lasts longer than this for a stuck
    /// member and expels it from the group, mid-restore. The longest such handling: commit the
    /// open transaction, which fails and aborts (each up to `operation.timeout`, and the abort's
    /// re-read of the kept partitions up to `restore.timeout`), then restore the new partitions.
    public var minimumPollInterval: Duration {
        restoreTimeout * 2 + operationTimeout * 3 + .seconds(30)
    }

    /// librdkafka's largest `max.poll.interval.ms` (a day).
    public static let maximumPollInterval: Duration = .seconds(86_400)

    /// How long the producer's close waits for outstanding records before it drops them.
    static let producerCloseTimeout: Duration = .seconds(5)

    /// At least once, the least producer `message.timeout.ms` (other than 0, never) that cannot
    /// open a gap in a partition. librdkafka fails a record still *queued* at its timeout even
    /// with `enable.gapless.guarantee`, while a later record of the partition may still be
    /// delivered, and a restore takes that later record as proof of the lost one. While the relay
    /// runs, a record produced while the commit before its own waits for delivery
    /// (`operation.timeout`) waits for that commit, or for its own transaction's interval,
    /// whichever is longer, then for its own commit's wait (`operation.timeout`, or the drain's
    /// deadline), the clients' close and then the producer's close: with a longer timeout every
    /// record is delivered, or the relay stops before any can time out.
    public var minimumAtLeastOnceMessageTimeout: Duration {
        max(transactionInterval, operationTimeout) + max(operationTimeout, drainTimeout)
            + Self.producerCloseTimeout + .seconds(10)
    }

    /// The producer's `message.timeout.ms` as librdkafka applies it: the key the operator wrote
    /// (producer-scoped keys win over shared ones, under either name) and its text.
    public var messageTimeoutSetting: (key: String, value: String)? {
        setting(ManagedProperty.messageTimeout, for: .producer)
    }

    /// The producer's `socket.timeout.ms` as set: key and text.
    public var socketTimeoutSetting: (key: String, value: String)? {
        setting(["socket.timeout.ms"], for: .producer)
    }

    /// The value librdkafka applies for a property known under `names`: a role-scoped key beats a
    /// shared one (``kafka(for:)`` merges the role's keys last).
    private func setting(_ names: [String], for role: ClientRole) -> (key: String, value: String)? {
        for name in names {
            if let value = roleKafka[role]?[name] { return ("kafka.\(role.rawValue).\(name)", value) }
        }
        for name in names {
            if let value = kafka[name] { return ("kafka.\(name)", value) }
        }
        return nil
    }

    /// The consumer's `max.poll.interval.ms` as set (consumer-scoped first): key and text.
    public var maxPollIntervalSetting: (key: String, value: String)? {
        setting([ManagedProperty.maxPollInterval], for: .consumer)
    }
}
