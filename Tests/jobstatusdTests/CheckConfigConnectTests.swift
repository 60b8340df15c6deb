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

    /// A broker that refuses this principal: each failure names the ACL to grant.
    @Test(.enabled(if: !TestBroker.isExternal, "needs the in-process mock cluster's error injection"))
    func namesTheMissingPermissionOfEachRefusal() async throws {
        let broker = try TestBroker.start(label: "check-acl-test")
        let mock = try #require(broker.mock)
        let (input, output, dlq) = (
            TestBroker.uniqueName("in"), TestBroker.uniqueName("out"), TestBroker.uniqueName("dlq")
        )
        for topic in [input, output, dlq] { try await broker.createTopic(topic, partitions: 2) }
        mock.setTopicError(output, .topicAuthorizationFailed)
        mock.setTopicError(dlq, .topicAuthorizationFailed)
        mock.pushRequestErrors(.offsetFetch, [.groupAuthorizationFailed])
        let yaml = """
            kafka:
              bootstrap.servers: "\(broker.bootstrapServers)"
            input:
              topics: [\(input)]
              group: acl-group
            output:
              topic: \(output)
            dlq:
              topic: \(dlq)
            """
        let run = try JobStatusBinary.run(
            ["check-config", "--connect", "--config", try TemporaryFile.write(yaml)],
            environment: JobStatusBinary.cleanEnvironment)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ok   input topic \(input): 2 partitions"), "\(run.stdout)")
        #expect(
            run.stdout.contains(
                "FAIL output topic \(output): not authorized; grant this principal Topic \(output): Describe, "
                    + "DescribeConfigs, Read, Write"), "\(run.stdout)")
        #expect(
            run.stdout.contains(
                "FAIL dead-letter topic \(dlq): not authorized; grant this principal Topic \(dlq): Describe, Read, Write"
            ), "\(run.stdout)")
        #expect(run.stdout.contains("FAIL group acl-group:"), "\(run.stdout)")
        #expect(run.stdout.contains("(needs Group acl-group: Read, Describe)"), "\(run.stdout)")

        mock.setTopicError(output, .noError)
        mock.setTopicError(dlq, .noError)
        mock.setTopicError(input, .topicAuthorizationFailed)
        let refusedInput = try JobStatusBinary.run(
            ["check-config", "--connect", "--config", try TemporaryFile.write(yaml)],
            environment: JobStatusBinary.cleanEnvironment)
        #expect(refusedInput.status == 1)
        #expect(
            refusedInput.stdout.contains(
                "FAIL input topic \(input): not authorized; grant this principal Topic \(input): Describe, Read"),
            "\(refusedInput.stdout)")
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
