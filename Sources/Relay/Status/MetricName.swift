/// The name of every metric jobstatusd exports, each written once: the relay records under
/// these, and the daemon's catalog (help texts, buckets) is keyed by them.
public enum MetricName {
    /// Gauge: input partitions this instance owns.
    public static let assignedPartitions = "jobstatusd_assigned_partitions"
    /// Gauge, always 1: its labels name the build (`version`) and the librdkafka in use.
    public static let buildInfo = "jobstatusd_build_info"
    /// Counter: input records whose handling is committed.
    public static let consumedTotal = "jobstatusd_consumed_total"
    /// Gauge per input partition (`topic`, `partition`): records behind the end not yet committed by
    /// this instance.
    public static let consumerLag = "jobstatusd_consumer_lag"
    /// Counter: invalid input records committed to the dead-letter topic.
    public static let deadLetteredTotal = "jobstatusd_dead_lettered_total"
    /// Counter by `reason` (``DropReason``): valid events not published.
    public static let droppedTotal = "jobstatusd_dropped_total"
    /// Histogram (a timer), per commit: from its oldest input record's timestamp to the output being
    /// visible. The relay records it.
    public static let endToEndLatencySeconds = "jobstatusd_end_to_end_latency_seconds"
    /// Counter: retention tombstones committed (`output.finished-retention`).
    public static let finishedTombstonesTotal = "jobstatusd_finished_tombstones_total"
    /// Gauge per input partition (`topic`, `partition`): the next input offset this instance committed.
    public static let inputCommittedOffset = "jobstatusd_input_committed_offset"
    /// Counter by `reason` (``InvalidReason``): input records dead-lettered, or met again already
    /// dead-lettered.
    public static let invalidTotal = "jobstatusd_invalid_total"
    /// Gauge: jobs in the dedup table.
    public static let jobsTracked = "jobstatusd_jobs_tracked"
    /// Gauge per `client`: messages in librdkafka's queues (its statistics' `msg_cnt`).
    public static let kafkaMsgCnt = "jobstatusd_kafka_msg_cnt"
    /// Gauge per `client`: operations waiting in librdkafka's reply queue (`replyq`).
    public static let kafkaReplyq = "jobstatusd_kafka_replyq"
    /// Counter per `client`: responses received from brokers (librdkafka's `rx`).
    public static let kafkaRxTotal = "jobstatusd_kafka_rx_total"
    /// Counter per `client`: messages received from brokers (librdkafka's `rxmsgs`).
    public static let kafkaRxmsgsTotal = "jobstatusd_kafka_rxmsgs_total"
    /// Counter per `client`: requests sent to brokers (librdkafka's `tx`).
    public static let kafkaTxTotal = "jobstatusd_kafka_tx_total"
    /// Counter per `client`: messages sent to brokers (librdkafka's `txmsgs`).
    public static let kafkaTxmsgsTotal = "jobstatusd_kafka_txmsgs_total"
    /// Counter: input records whose Kafka key was not their job_id.
    public static let keyMismatchesTotal = "jobstatusd_key_mismatches_total"
    /// Counter: records committed to the output topic.
    public static let publishedTotal = "jobstatusd_published_total"
    /// Gauge: 1 once the relay is ready (``RelaySnapshot/isReady``), else 0.
    public static let ready = "jobstatusd_ready"
    /// Counter, `input.keying: any`: input records committed to the repartition topic.
    public static let repartitionedTotal = "jobstatusd_repartitioned_total"
    /// Counter: invalid records met again (after a restart) whose dead letter was already written.
    public static let replayedDeadLettersTotal = "jobstatusd_replayed_dead_letters_total"
    /// Histogram (a timer): how long each restore of the dedup table took. The relay records it.
    public static let restoreSeconds = "jobstatusd_restore_seconds"
    /// Gauge: records read by restores since the start.
    public static let restoredRecords = "jobstatusd_restored_records"
    /// Gauge: 1 while the instance stands by (``RelaySnapshot/isStandingBy``), else 0.
    public static let standby = "jobstatusd_standby"
    /// Counter: input tombstones (null values), ignored.
    public static let tombstonesTotal = "jobstatusd_tombstones_total"
    /// Histogram (a timer): from the commit decision to the broker's answer. The relay records it.
    public static let transactionCommitSeconds = "jobstatusd_transaction_commit_seconds"
    /// Counter: aborted transactions.
    public static let transactionsAbortedTotal = "jobstatusd_transactions_aborted_total"
    /// Counter: commits (Kafka transactions, or at-least-once batches).
    public static let transactionsCommittedTotal = "jobstatusd_transactions_committed_total"
}
