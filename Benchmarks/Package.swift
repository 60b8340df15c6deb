// swift-tools-version: 6.1
// jobstatusd's benchmarks (ordo-one/benchmark), a package of their own so that
// test and CI builds never compile the benchmark harness. Run: scripts/bench.

import PackageDescription

let package = Package(
    name: "jobstatusd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "jobstatusd", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The raw C API, for the baseline loops only (the product code sees librdkafka only through Kafka).
        .systemLibrary(name: "CRdKafkaBaseline", path: "Sources/CRdKafkaBaseline", pkgConfig: "rdkafka"),
        .target(
            name: "KafkaFixture",
            dependencies: [
                "CRdKafkaBaseline",
                .product(name: "Kafka", package: "jobstatusd"),
                .product(name: "TestSupport", package: "jobstatusd"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/KafkaFixture"
        ),
        .executableTarget(
            name: "KafkaBenchmarks",
            dependencies: [
                "KafkaFixture",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/KafkaBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "KafkaThroughput",
            dependencies: ["KafkaFixture"],
            path: "Sources/KafkaThroughput"
        ),
        .executableTarget(
            name: "DedupMemory",
            dependencies: [.product(name: "Relay", package: "jobstatusd")],
            path: "Sources/DedupMemory"
        ),
        .executableTarget(
            name: "MonitorScale",
            dependencies: [
                .product(name: "Monitor", package: "jobstatusd"),
                .product(name: "JobStatus", package: "jobstatusd"),
                .product(name: "Relay", package: "jobstatusd"),
            ],
            path: "Sources/MonitorScale"
        ),
        .executableTarget(
            name: "JobStatusBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JobStatus", package: "jobstatusd"),
                .product(name: "Kafka", package: "jobstatusd"),
                .product(name: "Relay", package: "jobstatusd"),
            ],
            path: "Benchmarks/JobStatusBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
