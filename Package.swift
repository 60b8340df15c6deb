// swift-tools-version: 6.1
// jobstatusd: turns a noisy stream of job-status events on Kafka into a
// compacted "latest status of every job" topic. Layout: ../DESIGN.md section 4.
// SPDX-License-Identifier: Apache-2.0

import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "jobstatusd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jobstatusd", targets: ["jobstatusd"]),
        .library(name: "JobStatus", targets: ["JobStatus"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "Relay", targets: ["Relay"]),
        // The monitor's index, for Benchmarks/ (MonitorScale).
        .library(name: "Monitor", targets: ["Monitor"]),
        // The Kafka test fixture, shared by the test targets and Benchmarks/.
        .library(name: "TestSupport", targets: ["TestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // MARK: Model
        .target(
            name: "JobStatus",
            swiftSettings: strictSettings
        ),

        // MARK: Kafka
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Relay
        // A CPU cache hint (the dedup table's next lookups), which Swift cannot spell.
        .target(name: "CPrefetch"),
        .target(
            name: "Relay",
            dependencies: [
                "CPrefetch",
                "JobStatus",
                "Kafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Monitor (the reference downstream consumer of the output topic)
        .target(
            name: "Monitor",
            dependencies: [
                "JobStatus",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Executable
        .executableTarget(
            name: "jobstatusd",
            dependencies: [
                "JobStatus",
                "Kafka",
                "Relay",
                "Monitor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings,
            // jemalloc instead of glibc's malloc: the relay allocates on one thread and frees on
            // another, and glibc's arenas spent about an eighth of the daemon's CPU in malloc,
            // free and their consolidation (issue 26's profile; docs/benchmarks.md). Linked
            // before libc, it serves every allocation of the process, librdkafka's included.
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))],
            plugins: ["BuildVersionPlugin"]
        ),
        .plugin(name: "BuildVersionPlugin", capability: .buildTool(), path: "Plugins/BuildVersionPlugin"),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "Kafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JobStatusTests",
            dependencies: [
                "JobStatus",
                "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: [
                "Kafka",
                // KafkaPartitionEndTests looks at librdkafka's queue.
                "CRdKafka",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RelayTests",
            dependencies: [
                "Relay",
                "JobStatus",
                "Kafka",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MonitorTests",
            dependencies: ["Monitor", "JobStatus"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "jobstatusdTests",
            dependencies: [
                "jobstatusd", "JobStatus", "Kafka", "Relay", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
