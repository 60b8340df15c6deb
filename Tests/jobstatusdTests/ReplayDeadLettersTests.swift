import Foundation
import JobStatus
import Kafka
import Relay
import TestSupport
import Testing

/// `jobstatusd replay-dlq` against a real broker.
@Suite("replay-dlq", .timeLimit(.minutes(2)))
struct ReplayDeadLettersTests {
    @Test func deadLettersGoBackToTheirTopicTraceably() async throws {
        let broker = try TestBroker.start(label: "replay-test")
        let (input, dlq) = (TestBroker.uniqueName("in"), TestBroker.uniqueName("dlq"))
        try await broker.createTopic(input, partitions: 2)
        try await broker.createTopic(dlq, partitions: 2)
        func source(_ offset: Int64, _ value: String) -> KafkaMessage {
            KafkaMessage(
                topicPartition: TopicPartition(input, 1), offset: KafkaOffset(rawValue: offset),
                key: Array("job-\(offset)".utf8), value: Array(value.utf8),
                headers: [KafkaHeader(name: "trace", string: "t\(offset)")])
        }
        try await broker.produce([
            DeadLetter.make(for: source(7, "{not json"), error: InvalidEvent(.invalidJSON, "bad"), topic: dlq),
            DeadLetter.make(for: source(9, "{also not"), error: InvalidEvent(.invalidJSON, "bad"), topic: dlq),
            DeadLetter.make(for: source(8, "[]"), error: InvalidEvent(.notObject, "array"), topic: dlq),
            DeadLetter.make(
                for: source(11, "huge"), error: InvalidEvent(.tooLarge, "big"), topic: dlq,
                valueOmittedBecause: "MSG_SIZE_TOO_LARGE"),
        ])
        let path = try TemporaryFile.write(
            """
            kafka:
              bootstrap.servers: "\(broker.bootstrapServers)"
            input:
              topics: [\(input)]
            dlq:
              topic: \(dlq)
            """)
        let environment = JobStatusBinary.cleanEnvironment

        let dry = try JobStatusBinary.run(["replay-dlq", "--config", path, "--dry-run"], environment: environment)
        #expect(dry.stdout.contains("4 dead letters read, 4 selected"), "\(dry.stdout)\(dry.stderr)")
        #expect(try await broker.readToEnd(input).isEmpty, "a dry run produces nothing")

        let some = try JobStatusBinary.run(
            ["replay-dlq", "--config", path, "--reason", "invalid_json"], environment: environment)
        #expect(some.status == 0, "\(some.stdout)\(some.stderr)")
        #expect(some.stdout.contains("2 selected (invalid_json=2), 2 replayed"), "\(some.stdout)")
        let replayed = try await broker.readToEnd(input)
        #expect(Set(replayed.map { String(decoding: $0.value ?? [], as: UTF8.self) }) == ["{not json", "{also not"])
        for record in replayed {
            let names = record.headers.map(\.name)
            #expect(names.first == "trace", "the producer's own headers first, untouched")
            #expect(names.contains(DeadLetter.Header.sourceOffset), "the first coordinates stay traceable")
            #expect(record.headers.last?.name == "jobstatusd.replayed-from")
            #expect(record.headers.last?.stringValue?.hasPrefix(dlq) == true)
        }

        let all = try JobStatusBinary.run(["replay-dlq", "--config", path], environment: environment)
        #expect(all.status == 1, "a dead letter without its value cannot be replayed")
        #expect(all.stdout.contains("1 without a value"), "\(all.stdout)")
    }

    /// With `input.keying: any`, a dead letter of the relay stage names the repartition topic as
    /// its source; it goes back to the input topic its origin headers name, not the internal topic.
    @Test func aRelayStageDeadLetterGoesBackToTheInputTopic() async throws {
        let broker = try TestBroker.start(label: "replay-origin-test")
        let (input, dlq) = (TestBroker.uniqueName("in"), TestBroker.uniqueName("dlq"))
        try await broker.createTopic(input, partitions: 1)
        try await broker.createTopic(dlq, partitions: 1)
        let read = KafkaMessage(
            topicPartition: TopicPartition("jobstatusd-repartition", 0), offset: KafkaOffset(rawValue: 3),
            key: Array("job-1".utf8), value: Array(#"{"job_id":"job-1","status":"RUNNING","status_msg":"m"}"#.utf8),
            headers: [
                KafkaHeader(name: RepartitionRecord.Header.originTopic, string: input),
                KafkaHeader(name: RepartitionRecord.Header.originPartition, string: "0"),
                KafkaHeader(name: RepartitionRecord.Header.originOffset, string: "12"),
            ])
        // A first-stage dead letter of a record that itself carried origin headers (a replay of an
        // older one): its source is the input, and that is where it goes.
        let inherited = KafkaMessage(
            topicPartition: TopicPartition(input, 0), offset: KafkaOffset(rawValue: 4), key: nil,
            value: Array("{not json".utf8),
            headers: [KafkaHeader(name: RepartitionRecord.Header.originTopic, string: "elsewhere")])
        try await broker.produce([
            DeadLetter.make(for: read, error: InvalidEvent(.missingOrderField, "no seq"), topic: dlq),
            DeadLetter.make(for: inherited, error: InvalidEvent(.invalidJSON, "bad"), topic: dlq),
        ])
        let path = try TemporaryFile.write(
            """
            kafka:
              bootstrap.servers: "\(broker.bootstrapServers)"
            input:
              topics: [\(input)]
              keying: any
            dlq:
              topic: \(dlq)
            """)
        let run = try JobStatusBinary.run(
            ["replay-dlq", "--config", path], environment: JobStatusBinary.cleanEnvironment)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let replayed = try await broker.readToEnd(input)
        #expect(replayed.count == 2, "both dead letters went back to the input topic")
    }
}
