import JobStatus

extension RelayConfiguration {
    /// Every default of the relay's settings, typed, in one place: ``RelayConfiguration/init(kafka:inputTopics:group:outputTopic:createTopics:outputPartitions:replicationFactor:outputTopicConfigs:deadLetterTopic:delivery:transactionalID:instance:transactionInterval:maxRecordsPerTransaction:ordering:decoding:keyMismatch:operationTimeout:drainTimeout:restoreTimeout:)``
    /// takes them, and the daemon's configuration schema shows them (as text) for `jobstatusd
    /// config` and the docs. The decoding limits' defaults are ``DecodingLimits/default``.
    public enum Defaults {
        /// `input.topics`
        public static let inputTopics = ["job-status"]
        /// `input.group`
        public static let group = "jobstatusd"
        /// `output.topic`
        public static let outputTopic = "job-status-latest"
        /// `output.create`
        public static let createTopics = true
        /// `output.partitions`: 0, as many as the (first) input topic.
        public static let outputPartitions: Int32 = 0
        /// `output.replication`
        public static let replicationFactor: Int32 = 3
        /// `dlq.topic`
        public static let deadLetterTopic = "job-status-dlq"
        /// `delivery`
        public static let delivery = Delivery.exactlyOnce
        /// `transaction.interval`
        public static let transactionInterval = Duration.milliseconds(100)
        /// `transaction.max-records`: high enough that `transaction.interval` decides below about
        /// 300,000 records/s. At 10,000, a busy relay filled the next transaction before the one
        /// committing had ended, and waited for that commit a quarter of the time (issue 26).
        /// Two transactions' records (one committing, one open) stay well within librdkafka's
        /// `queue.buffering.max.messages` (100,000).
        public static let maxRecordsPerTransaction = 30_000
        /// `transaction.timeout` (Kafka Streams uses 10 s as well).
        public static let transactionTimeout = Duration.seconds(10)
        /// `output.finished-horizon`: a day.
        public static let finishedHorizon = Duration.seconds(86_400)
        /// `operation.timeout`
        public static let operationTimeout = Duration.seconds(10)
        /// The daemon's `shutdown.timeout`: the drain's deadline after SIGTERM, below the unit's
        /// `TimeoutStopSec=30`.
        public static let shutdownTimeout = Duration.seconds(20)
        /// How long the drain may take after the stop request: three quarters of ``shutdownTimeout``.
        public static let drainTimeout = drainTimeout(forShutdown: shutdownTimeout)
        /// `restore.timeout`: five minutes.
        public static let restoreTimeout = Duration.seconds(300)

        /// The drain's deadline within a shutdown deadline: three quarters of it, which leaves the
        /// rest for leaving the group and closing the clients.
        public static func drainTimeout(forShutdown shutdown: Duration) -> Duration {
            shutdown * 3 / 4
        }
    }
}
