import Kafka

/// Why processing a record stopped the batch.
enum RecordFailure: Error {
    /// librdkafka refused to enqueue a record for a reason that is not the record's own.
    case produce(KafkaError)
    /// Restoring an output partition the record needed failed.
    case restore(ReadToEndFailure)
    /// The relay was asked to stop while reading an output partition the record needed: the
    /// batch ends before this record, and the drain commits what came before it.
    case stopped
}
