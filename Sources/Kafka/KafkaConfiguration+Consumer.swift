extension KafkaConfiguration {
    /// `queued.min.messages` for every consumer unless set: librdkafka's count bound on the
    /// records it fetches ahead is effectively off, and `queued.max.messages.kbytes` (64 MiB by
    /// default) alone bounds them.
    ///
    /// Why: librdkafka 2.0.2 stops fetching a partition once its local queue holds
    /// `queued.min.messages` records (100,000 by default) and only looks again at its broker
    /// thread's next wakeup, up to a second later. A reader faster than the fetches (the relay
    /// catching up, the restore, the monitor's first read) drains the queue and waits on that
    /// timer: in `scripts/bench-e2e` the relay read 1M records at 106k/s with the default and
    /// 156k/s without it, the same code processing both (issue 26, docs/benchmarks.md). The
    /// byte bound pauses the same way, but only once 64 MiB are queued: more work than a second
    /// of processing at any record size the relay decodes at that speed.
    static let fetchAheadRecords = "10000000"

    /// These properties with ``fetchAheadRecords`` as `queued.min.messages` unless set.
    var withConsumerDefaults: KafkaConfiguration {
        var configuration = self
        if configuration["queued.min.messages"] == nil { configuration["queued.min.messages"] = Self.fetchAheadRecords }
        return configuration
    }
}
