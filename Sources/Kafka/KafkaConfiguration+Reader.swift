extension KafkaConfiguration {
    /// These properties with a reader's settings on top: a consumer that assigns itself the
    /// partitions it reads (its group, `groupID`, only names it: it never joins the group's
    /// balancing), commits nothing, and starts from a partition's beginning where its offset is
    /// gone. The one place they are written: ``PartitionEndReader`` (the relay's restore, the
    /// monitor, `get`, `replay-dlq`, the tests) and the commands that follow the output topic
    /// (`watch`, `demo`) use them.
    /// - Parameters:
    ///   - groupID: `group.id`: a group of the reader's own.
    ///   - isolation: which records it sees (`isolation.level`).
    ///   - reportingEnds: whether polls report each partition's end (`enable.partition.eof`),
    ///     which a read to the end waits for. Such a reader also waits at most 50 ms for more
    ///     records in a fetch that found none (`fetch.wait.max.ms`, unless set; librdkafka's
    ///     default 500 ms would be spent once per round on every partition already at its end).
    public func reader(
        groupID: String, isolation: KafkaIsolation = .readCommitted, reportingEnds: Bool
    ) -> KafkaConfiguration {
        var configuration = self
        configuration["group.id"] = groupID
        configuration["isolation.level"] = isolation.rawValue
        configuration["enable.auto.commit"] = "false"
        configuration["enable.auto.offset.store"] = "false"
        configuration["auto.offset.reset"] = "earliest"
        configuration["enable.partition.eof"] = reportingEnds ? "true" : "false"
        if reportingEnds && configuration["fetch.wait.max.ms"] == nil { configuration["fetch.wait.max.ms"] = "50" }
        return configuration
    }
}
