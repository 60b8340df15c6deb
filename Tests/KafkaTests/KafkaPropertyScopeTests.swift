import Kafka
import Logging
import TestSupport
import Testing

/// One `kafka.*` map for every client: each takes only the properties of its kind.
@Suite("Kafka property scopes")
struct KafkaPropertyScopeTests {
    @Test func librdkafkasOwnTableNamesTheKinds() {
        #expect(KafkaPropertyScope.of("session.timeout.ms") == .consumer)
        #expect(KafkaPropertyScope.of("isolation.level") == .consumer)
        #expect(KafkaPropertyScope.of("linger.ms") == .producer)
        #expect(KafkaPropertyScope.of("partitioner") == .producer, "topic-level properties too")
        #expect(KafkaPropertyScope.of("bootstrap.servers") == .any)
        #expect(KafkaPropertyScope.of("no.such.property") == .any, "librdkafka rejects it itself")
    }

    /// librdkafka warns (CONFWARN) at every client creation about a property of the other kind.
    @Test func clientsStartWithoutWarningsAboutTheOtherKindsProperties() async throws {
        let broker = try TestBroker.start()
        let lines = LogLines()
        let logger = Logger(label: "scope-test") { _ in CapturingLogHandler(lines: lines) }
        let shared = broker.configuration([
            "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000", "linger.ms": "5",
            "group.id": TestBroker.uniqueName("scope"),
        ])
        let consumer = try KafkaConsumer(configuration: shared, logger: logger)
        let producer = try KafkaProducer(configuration: shared, logger: logger)
        let admin = try KafkaAdmin(configuration: shared, logger: logger)
        _ = try await admin.metadata(timeout: .seconds(30))
        await admin.close()
        await producer.close()
        await consumer.close()
        let warnings = lines.all.filter { $0.contains("CONFWARN") || $0.contains("will be ignored") }
        #expect(warnings.isEmpty, "\(warnings)")
    }
}

/// Every log line (message and metadata) of a test's clients.
final class LogLines: Sendable {
    private let lines = Locked<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.message) \(event.metadata ?? [:])")
    }
}
