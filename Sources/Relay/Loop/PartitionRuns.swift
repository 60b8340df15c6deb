import Kafka

extension Array where Element == KafkaMessage {
    /// The batch's index ranges of consecutive records from one partition, in order. A fetch
    /// delivers each partition's records together, so per-partition work (a set or dictionary
    /// lookup keyed by the topic's name) is done once per run rather than once per record.
    var partitionRuns: [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = startIndex
        while start < endIndex {
            var end = start + 1
            while end < endIndex, self[end].topicPartition == self[start].topicPartition { end += 1 }
            runs.append(start..<end)
            start = end
        }
        return runs
    }
}
