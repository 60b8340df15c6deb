import Kafka

/// The version printed by `--version`: the build's `git describe` and the librdkafka the
/// process runs with (the system library, which can change without a rebuild).
enum JobStatusDaemonVersion {
    static var current: String { "\(BuildVersion.describe) (librdkafka \(LibrdkafkaVersion.current))" }
}
