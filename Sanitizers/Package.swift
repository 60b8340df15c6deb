// swift-tools-version: 6.1
// The Kafka wrapper's tests, built on their own for the sanitizer runs of
// scripts/sanitize: a sanitizer build is a full rebuild, and this package
// compiles only what those tests need (Kafka, CRdKafka, TestSupport, swift-log), not the
// daemon's HTTP and metrics stack. KafkaTests is a link to ../Tests/KafkaTests.

import PackageDescription

let package = Package(
    name: "jobstatusd-sanitized",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "jobstatusd", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .testTarget(
            name: "KafkaTests",
            dependencies: [
                .product(name: "Kafka", package: "jobstatusd"),
                .product(name: "TestSupport", package: "jobstatusd"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "KafkaTests",
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
