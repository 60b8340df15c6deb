import Benchmark
import Foundation
import JobStatus
import Kafka
import Relay

/// The model's hot path, as the relay runs it: bytes in, canonical bytes out, then the dedup
/// decision (`CanonicalEvent.decode`, fingerprint, `DedupPolicy.decide`), on realistic 200-byte
/// events and on a 2 KiB nested variant, each against Foundation's JSONSerialization parse of the
/// same events as the baseline, in the same run. The tree decoder (`JobStatus.decode` then
/// `canonicalBytes()`) runs too, for comparison. Target: >= 1M events/s per core, >= 5x the
/// baseline. The dedup table's memory per job is `Benchmarks/Sources/DedupMemory`'s (one process
/// per figure, resident bytes, as `scripts/bench` runs it).
let events: [[UInt8]] = (0..<10_000).map { index in
    Array(
        """
        {"job_id": "c2f5\(index)-8f3a-4b7e", "status": "\(["QUEUED", "running", "DONE"][index % 3])", \
        "status_msg": "job is actively running", "backend": "ibm_brisbane", "shots": 1024, \
        "queue_position": \(index % 50), "tags": ["a", "b"], "meta": {"attempt": 1, "ratio": 0.25}}
        """.utf8)
}

/// About 2 KiB each: a result summary nested three deep, arrays of numbers and strings.
let nestedEvents: [[UInt8]] = (0..<2_000).map { index in
    let shots = (0..<24).map { "\"q\($0)\": \(($0 * 37 + index) % 1024)" }.joined(separator: ", ")
    let calibration = (0..<12).map {
        "{\"qubit\": \($0), \"t1_us\": \(100 + $0 * 3).5, \"readout_error\": 0.0\($0 % 9 + 1)}"
    }
    .joined(separator: ", ")
    return Array(
        """
        {"job_id": "c2f5\(index)-8f3a-4b7e-9d2c-1a6b3e8f0d4a", "status": "RUNNING", \
        "status_msg": "step \(index % 7) of 7: sampling", "backend": "ibm_brisbane", \
        "program": {"id": "sampler", "version": "0.31.0", "options": {"shots": 4096, "seed": \(index), \
        "resilience": {"level": 1, "zne": false, "twirling": {"gates": true, "measure": true}}}}, \
        "counts": {\(shots)}, "calibration": [\(calibration)], \
        "tags": ["nightly", "sweep-\(index % 13)", "team/quantum-chemistry"], "cost": {"seconds": 12.75}}
        """.utf8)
}

/// The relay's per-record work in the model: one-pass decode, then the dedup decision.
@inline(__always)
func relayCorePath(_ event: [UInt8]) throws -> DedupDecision {
    let decoded = try CanonicalEvent.decode(event)
    let state = PublishedState(status: decoded.status, canonicalBytes: decoded.canonicalBytes)
    return DedupPolicy.decide(last: nil, event: state, ordering: .lifecycle)
}

/// Output records as a restore reads them: the job_id key and the canonical value, 100k jobs, as
/// records read from 64 partitions of the output topic.
let outputRecords: [KafkaMessage] = (0..<100_000).compactMap { index in
    let event = events[index % events.count]
    guard let decoded = try? CanonicalEvent.decode(event) else { return nil }
    let jobID = "\(decoded.jobID)-\(index / events.count)"
    return KafkaMessage(
        topicPartition: TopicPartition("jobstatus", KafkaPartition(rawValue: Int32(index % 64))),
        offset: KafkaOffset(rawValue: Int64(index / 64)), key: Array(jobID.utf8), value: decoded.canonicalBytes)
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .milliseconds, scalingFactor: .one,
        maxDuration: .seconds(10), maxIterations: 50)

    for (label, batch) in [("200 B", events), ("2 KiB", nestedEvents)] {
        let count = "\(batch.count / 1000)k"
        Benchmark(
            "canonicalize/\(label) one-pass decode + fingerprint + dedup decision (\(count) events)",
            configuration: configuration
        ) {
            benchmark in
            for _ in benchmark.scaledIterations {
                for event in batch {
                    blackHole(try relayCorePath(event))
                }
            }
        }

        Benchmark("canonicalize/\(label) tree decode + RFC 8785 (\(count) events)", configuration: configuration) {
            benchmark in
            for _ in benchmark.scaledIterations {
                for event in batch {
                    blackHole(try JobStatus.decode(event).canonicalBytes())
                }
            }
        }

        Benchmark(
            "canonicalize/\(label) Foundation JSONSerialization parse only (\(count) events)",
            configuration: configuration
        ) {
            benchmark in
            for _ in benchmark.scaledIterations {
                for event in batch {
                    blackHole(try JSONSerialization.jsonObject(with: Data(event)))
                }
            }
        }
    }

    // The restore's in-process work per output record: the function the restore calls for each
    // (`DedupTable.restore(_:ordering:source:timestamp:)`: the key read in place as the job's key,
    // the status scanned from the canonical bytes, the fingerprint, the table insert), so the
    // benchmark cannot drift from it. Target: >= 1M records/s.
    Benchmark("restore/rebuild the table from 100k output records", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            var table = DedupTable(tracksFinishedJobs: false)
            table.reserveCapacity(outputRecords.count)
            for (offset, record) in outputRecords.enumerated() {
                let source = SourcePosition(
                    topicIndex: 0, partition: KafkaPartition(rawValue: Int32(offset % 64)),
                    offset: KafkaOffset(rawValue: Int64(offset)))
                table.restore(record, ordering: .lifecycle, source: source, timestamp: 0)
            }
            blackHole(table.count)
        }
    }

    recordPathBenchmark()
}
