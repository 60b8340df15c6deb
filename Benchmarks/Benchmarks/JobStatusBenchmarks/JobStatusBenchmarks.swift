import Benchmark
import Foundation
import JobStatus
import Relay

/// The model's hot path: bytes in, canonical bytes out (decode with fromDict,
/// RFC 8785 encode), against Foundation's JSONSerialization parse of the same
/// events as the baseline, in the same run. Target: >= 1M events/s per core.
/// Plus the dedup table's memory per job.
let events: [[UInt8]] = (0..<10_000).map { index in
    Array(
        """
        {"job_id": "c2f5\(index)-8f3a-4b7e", "status": "\(["QUEUED", "running", "DONE"][index % 3])", \
        "status_msg": "job is actively running", "backend": "ibm_brisbane", "shots": 1024, \
        "queue_position": \(index % 50), "tags": ["a", "b"], "meta": {"attempt": 1, "ratio": 0.25}}
        """.utf8)
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .milliseconds, scalingFactor: .one,
        maxDuration: .seconds(10), maxIterations: 50)

    Benchmark("canonicalize/JobStatus decode + RFC 8785 (10k events)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            for event in events {
                blackHole(try JobStatus.decode(event).canonicalBytes())
            }
        }
    }

    Benchmark("canonicalize/Foundation JSONSerialization parse only (10k events)", configuration: configuration) {
        benchmark in
        for _ in benchmark.scaledIterations {
            for event in events {
                blackHole(try JSONSerialization.jsonObject(with: Data(event)))
            }
        }
    }

    Benchmark(
        "dedup/table with 1M jobs (memory)",
        configuration: .init(metrics: [.throughput, .peakMemoryResident, .wallClock], maxIterations: 3)
    ) { benchmark in
        var table = DedupTable()
        table.reserveCapacity(1_000_000)
        let state = PublishedState(status: .running, canonicalBytes: Array("x".utf8))
        for index in 0..<1_000_000 {
            table.restore("job-\(index)-c2f58f3a", state)  // 20-byte ids: heap-allocated strings
        }
        blackHole(table.count)
    }
}
