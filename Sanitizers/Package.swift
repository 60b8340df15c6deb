// swift-tools-version: 6.1
// The Kafka wrapper's tests, built on their own for the sanitizer runs of
// scripts/sanitize: a sanitizer build is a full rebuild, and this package
// compiles only what those tests need (CRdKafka, Kafka, TestSupport, swift-log), not the
// daemon's HTTP and metrics stack. The four targets are links into ../Sources and
// ../Tests, so that resolving this package fetches swift-log alone, not the daemon's
// whole dependency tree.

import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "jobstatusd-sanitized",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2")
    ],
    targets: [
        .systemLibrary(name: "CRdKafka", path: "CRdKafka", pkgConfig: "rdkafka"),
        .target(
            name: "Kafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            path: "Kafka",
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Kafka", .product(name: "Logging", package: "swift-log")],
            path: "TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", "CRdKafka", "TestSupport", .product(name: "Logging", package: "swift-log")],
            path: "KafkaTests",
            swiftSettings: strictSettings
        ),
    ]
)
