extension PartitionEndReader {
    /// Stops fetching until the next read. A reader that stays assigned after a read goes on
    /// fetching its partitions and fills librdkafka's queue (up to `queued.max.messages.kbytes`)
    /// with records nobody reads: a reader of a topic its owner writes (the relay's restore
    /// reader, of the relay's own output) would pay for that in CPU, memory and broker requests
    /// for as long as it lives. The positions stay: the next
    /// ``readToEnd(_:limit:progress:isStopped:apply:)`` assigns its partitions again from where
    /// each read stopped. A reader that follows its partitions (``next(maxMessages:timeout:)``)
    /// must not call this.
    /// - Throws: ``KafkaError`` when the consumer is closed or librdkafka refuses the change.
    public func stopFetching() throws(KafkaError) {
        try consumer.assign([])
    }
}
