import Benchmark
import JobStatus
import Kafka
import Relay

/// The input records of ``recordPathBenchmark()``: `events`, keyed by their job_id as producers
/// key them, across 64 partitions, each with its own bytes (as the consumer's batches hold them).
let fetchedRecords: [KafkaMessage] = events.enumerated().map { index, event in
    let jobID = (try? CanonicalEvent.decode(event).jobID) ?? ""
    return KafkaMessage(
        topicPartition: TopicPartition("job-status", KafkaPartition(rawValue: Int32(index % 64))),
        offset: KafkaOffset(rawValue: Int64(index)), key: Array(jobID.utf8), value: event)
}

/// Records per iteration of ``recordPathBenchmark()``: `scripts/bench` divides its allocation
/// count by this to print allocations per record.
let recordPathRecords = 10_000

/// The relay's path for a record it publishes, from a fetched message to the record it hands
/// to the producer, with the calls the relay makes (`RelayLoop+Records.swift`): decode
/// (`RecordClassifier.decode`), judge against the table with the key compared in place,
/// the source headers (`SourceHeaders`), the key (`OutputKeyBuffer`), the output message. Not in it: librdkafka's own
/// allocations in the produce call (the raw-librdkafka passthrough has them too) and the
/// transaction's bookkeeping. The figure to watch is mallocs per record (target: none in the
/// steady state; `scripts/bench` prints it).
func recordPathBenchmark() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .milliseconds, scalingFactor: .one,
        maxDuration: .seconds(10), maxIterations: 50)
    precondition(fetchedRecords.count == recordPathRecords)
    Benchmark(
        "record path/fetched message to produce call, allocations per record (10k records)",
        configuration: configuration
    ) { benchmark in
        let classifier = RecordClassifier(decoding: DecodingOptions(), ordering: .lifecycle, keyMismatch: .reject)
        let table = DedupTable(tracksFinishedJobs: false)
        let pending = DedupTable.Pending()
        var headers = SourceHeaders()
        var outputKey = OutputKeyBuffer()
        for _ in benchmark.scaledIterations {
            for message in fetchedRecords {
                let decoded = classifier.decode(message)
                let judged = classifier.judge(decoded, of: message, table: table, pending: pending)
                guard case .publish(let jobID, let bytes, _) = judged.outcome else { continue }
                blackHole(
                    KafkaOutgoingMessage(
                        topic: "job-status-latest", key: outputKey.key(of: jobID), value: bytes,
                        headers: headers.headers(of: message)))
            }
        }
    }
}
