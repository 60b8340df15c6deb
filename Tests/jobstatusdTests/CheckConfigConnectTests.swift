import Foundation
import TestSupport
import Testing

/// `check-config --connect` against a real broker: what run will need, one line per check.
@Suite("check-config --connect", .timeLimit(.minutes(2)))
struct CheckConfigConnectTests {
    @Test func namesWhatIsThereAndWhatIsMissing() async throws {
        let broker = try TestBroker.start(label: "check-test")
        let (input, dlq) = (TestBroker.uniqueName("in"), TestBroker.uniqueName("dlq"))
        try await broker.createTopic(input, partitions: 3)
        try await broker.createTopic(dlq, partitions: 3)
        let yaml = """
            kafka:
              bootstrap.servers: "\(broker.bootstrapServers)"
            input:
              topics: [\(input)]
            output:
              topic: \(TestBroker.uniqueName("out"))
            dlq:
              topic: \(dlq)
            """
        let good = try JobStatusBinary.run(
            ["check-config", "--connect", "--config", try TemporaryFile.write(yaml)],
            environment: JobStatusBinary.cleanEnvironment)
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("ok   input topic \(input): 3 partitions"), "\(good.stdout)")
        #expect(good.stdout.contains("warn output topic") && good.stdout.contains("will create it compacted"))
        #expect(good.stdout.contains("ok   dead-letter topic \(dlq)"))
        #expect(good.stdout.contains("ok   group jobstatusd: committed offsets readable"))

        let missing = try JobStatusBinary.run(
            ["check-config", "--connect", "--config", try TemporaryFile.write(yaml), "--set", "input.topics=nope"],
            environment: JobStatusBinary.cleanEnvironment)
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("FAIL input topic nope does not exist"), "\(missing.stdout)")
    }

    @Test func anUnreachableBrokerIsOneLineAndExitOne() throws {
        let path = try TemporaryFile.write(
            """
            kafka:
              bootstrap.servers: "127.0.0.1:1"
            operation:
              timeout: 2s
            """)
        let run = try JobStatusBinary.run(
            ["check-config", "--connect", "--config", path], environment: JobStatusBinary.cleanEnvironment)
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL cannot reach Kafka at 127.0.0.1:1"), "\(run.stdout)")
        #expect(!run.stderr.contains("Connection refused"), "librdkafka's own noise stays out: \(run.stderr)")
    }
}
