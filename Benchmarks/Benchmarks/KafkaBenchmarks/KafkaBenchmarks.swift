import Benchmark
import KafkaFixture

/// The Kafka layer against librdkafka itself: the same records, the same mock
/// cluster, in the same run (fixture in Sources/KafkaFixture). scripts/bench prints the ratios.
let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], timeUnits: .milliseconds,
        scalingFactor: .one, maxDuration: .seconds(60), maxIterations: 3)

    Benchmark("consume/librdkafka C loop", configuration: configuration) { benchmark in
        let fixture = Fixture.shared
        benchmark.startMeasurement()
        blackHole(fixture.rawConsume())
    }

    Benchmark("consume/Kafka.KafkaConsumer", configuration: configuration) { benchmark in
        let fixture = Fixture.shared
        benchmark.startMeasurement()
        blackHole(try await fixture.swiftConsume())
    }

    Benchmark("produce/librdkafka C loop", configuration: configuration) { benchmark in
        let fixture = Fixture.shared
        benchmark.startMeasurement()
        fixture.rawProduce(topic: "bench-produce-raw", count: records)
    }

    Benchmark("produce/Kafka.KafkaProducer", configuration: configuration) { benchmark in
        let fixture = Fixture.shared
        benchmark.startMeasurement()
        try await fixture.swiftProduce(count: records)
    }
}
