import Relay

/// Every metric jobstatusd exports, with its `# HELP` text and, for histograms, its buckets:
/// one place to read what `/metrics` means (`docs/operations.md`, "HTTP and metrics"; `deploy/prometheus-rules.yaml`).
enum MetricCatalog {
    struct Entry {
        let help: String
        var buckets: [Duration]? = nil
    }

    static let entries: [String: Entry] = [
        MetricName.buildInfo: Entry(
            help: "Always 1; labels name the build (git describe) and the librdkafka in use."),
        MetricName.ready: Entry(
            help: "1 once the restore is done and the relay runs, or stands by (what /readyz says)."),
        MetricName.standby: Entry(
            help: "1 while the instance is in the group with no input partition assigned (a ready standby)."),
        MetricName.consumedTotal: Entry(help: "Input records whose handling is committed."),
        MetricName.repartitionedTotal: Entry(
            help: "input.keying any: input records committed to the repartition topic, re-keyed by job_id."),
        MetricName.publishedTotal: Entry(help: "Records committed to the output topic."),
        MetricName.deadLetteredTotal: Entry(help: "Invalid input records committed to the dead-letter topic."),
        MetricName.tombstonesTotal: Entry(help: "Input tombstones (null values): ignored, counted."),
        MetricName.finishedTombstonesTotal: Entry(
            help: "Jobs terminal for longer than output.finished-retention: a tombstone committed, the job forgotten."),
        MetricName.keyMismatchesTotal: Entry(help: "Input records whose Kafka key was not their job_id."),
        MetricName.replayedDeadLettersTotal: Entry(
            help: "Invalid records met again after a restart whose dead letter was already written."),
        MetricName.droppedTotal: Entry(help: "Valid events not published, by reason (duplicate, stale, ...)."),
        MetricName.invalidTotal: Entry(help: "Input records that failed to decode, by reason."),
        MetricName.transactionsCommittedTotal: Entry(
            help: "Commits (Kafka transactions, or at-least-once batches)."),
        MetricName.transactionsAbortedTotal: Entry(help: "Aborted transactions (each one is redone)."),
        MetricName.jobsTracked: Entry(help: "Jobs in the dedup table."),
        MetricName.assignedPartitions: Entry(help: "Input partitions this instance owns."),
        MetricName.restoredRecords: Entry(help: "Records read by restores since start."),
        MetricName.inputCommittedOffset: Entry(
            help: "The next input offset this instance committed, per partition (its progress)."),
        MetricName.consumerLag: Entry(
            help:
                "Input records behind the partition's end not yet committed by this instance; revoked partitions leave."
        ),
        MetricName.transactionCommitSeconds: Entry(
            help: "Time to commit: from the commit decision to the broker's answer.",
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
                .seconds(10),
            ]),
        MetricName.endToEndLatencySeconds: Entry(
            help: "Per commit, its oldest input record: from the record's timestamp to its output being visible.",
            buckets: [
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(200),
                .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
            ]),
        MetricName.restoreSeconds: Entry(
            help: "Time to restore the dedup table after an assignment (read output and DLQ to their end).",
            buckets: [
                .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
                .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
            ]),
        MetricName.kafkaMsgCnt: Entry(help: "librdkafka: messages in the client's queues now, per client."),
        MetricName.kafkaReplyq: Entry(
            help: "librdkafka: operations waiting in the client's reply queue, per client."),
        MetricName.kafkaTxTotal: Entry(help: "librdkafka: requests sent to brokers, per client."),
        MetricName.kafkaRxTotal: Entry(help: "librdkafka: responses received from brokers, per client."),
        MetricName.kafkaTxmsgsTotal: Entry(help: "librdkafka: messages sent to brokers, per client."),
        MetricName.kafkaRxmsgsTotal: Entry(help: "librdkafka: messages received from brokers, per client."),
        "process_cpu_seconds_total": Entry(help: "User and system CPU time spent, in seconds."),
        "process_resident_memory_bytes": Entry(help: "Resident memory size in bytes."),
        "process_virtual_memory_bytes": Entry(help: "Virtual memory size in bytes."),
        "process_open_fds": Entry(help: "Open file descriptors."),
        "process_max_fds": Entry(help: "The limit of open file descriptors."),
        "process_start_time_seconds": Entry(help: "Start time of the process since the Unix epoch, in seconds."),
    ]

    static func help(_ name: String) -> String {
        entries[name]?.help ?? ""
    }

    static func buckets(_ name: String) -> [Duration] {
        entries[name]?.buckets ?? [.milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10)]
    }
}
