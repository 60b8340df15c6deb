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
    /// the consumer's poll (commit the open transaction, then restore before the first record),
    /// and librdkafka takes a poll that lasts longer than this for a stuck member and expels it
    /// from the group, mid-restore.
    public var minimumPollInterval: Duration {
        restoreTimeout + operationTimeout + .seconds(30)
    }

    /// How long the producer's close waits for outstanding records before it drops them.
    static let producerCloseTimeout: Duration = .seconds(5)

    /// At least once, the least producer `message.timeout.ms` (other than 0, never) that cannot
    /// open a gap in a partition. librdkafka fails a record still *queued* at its timeout even
    /// with `enable.gapless.guarantee`, while a later record of the partition may still be
    /// delivered, and a restore takes that later record as proof of the lost one. While the relay
    /// runs, a record waits for delivery at most the longest flush (`operation.timeout`, or the
    /// drain's deadline), the clients' close and then the producer's close: with a longer
    /// timeout every record is delivered, or the relay stops before any can time out.
    public var minimumAtLeastOnceMessageTimeout: Duration {
        max(operationTimeout, drainTimeout) + Self.producerCloseTimeout + .seconds(10)
    }

    /// The producer's `message.timeout.ms` as set (under either name, producer-scoped first):
    /// the key the operator wrote and its text.
    public var messageTimeoutSetting: (key: String, value: String)? {
        for name in ManagedProperty.messageTimeout {
            if let value = roleKafka[.producer]?[name] { return ("kafka.producer.\(name)", value) }
            if let value = kafka[name] { return ("kafka.\(name)", value) }
        }
        return nil
    }

    /// The consumer's `max.poll.interval.ms` as set (producer-scoped first): key and text.
    public var maxPollIntervalSetting: (key: String, value: String)? {
        let name = ManagedProperty.maxPollInterval
        if let value = roleKafka[.consumer]?[name] { return ("kafka.consumer.\(name)", value) }
        return kafka[name].map { ("kafka.\(name)", $0) }
    }
}
