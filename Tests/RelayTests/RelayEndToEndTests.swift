import Foundation
import JobStatus
import Kafka
import Testing

@testable import Relay

/// The relay against a real broker over TCP (the in-process mock cluster, or
/// `KAFKA_BOOTSTRAP`: `scripts/test` runs this suite against tansu too), with an
/// independent producer of input and an independent reader of the output.
///
/// What is checked where the broker cannot hide aborted records (the mock and
/// tansu, brokers.md): the relay's own design (restore from the output, drop
/// replays as duplicates) must still keep the output exact after a crash or a
/// rebalance. After an abort *inside* a run, a broker that does not hide the
/// aborted records shows them next to their committed replay; there the test
/// checks every transition present, in order, none stale, and extra copies only
/// when the relay reports aborted transactions.
@Suite("Relay end to end", .timeLimit(.minutes(4)), .serialized)
struct RelayEndToEndTests {
    static let jobs = 1500

    func checkDeadLetters(_ harness: RelayHarness, _ stream: EventStream) async throws {
        let letters = try await harness.readAll(harness.deadLetters, atLeast: stream.invalidCount)
        #expect(letters.count == stream.invalidCount, "the DLQ holds exactly the invalid records")
        let sources = Set(letters.compactMap { DeadLetter.source(of: $0).map { "\($0.0)@\($0.1)" } })
        #expect(sources.count == letters.count, "each dead letter names its own source record")
        for letter in letters {
            #expect(letter.header(DeadLetter.Header.reason)?.stringValue.map { !$0.isEmpty } == true)
            #expect(letter.header(DeadLetter.Header.message) != nil)
            #expect(letter.header(DeadLetter.Header.sourceTopic)?.stringValue == harness.input)
        }
        let invalidValues = Set(stream.events.filter(\.isInvalid).compactMap(\.value))
        #expect(letters.allSatisfy { invalidValues.contains($0.value ?? []) }, "original values untouched")
    }

    @Test func aGeneratedStreamComesOutExactlyAsTheModelSays() async throws {
        let harness = try await RelayHarness.start()
        defer { withExtendedLifetime(harness) {} }
        let stream = EventStream(jobs: Self.jobs, seed: 42)
        try await harness.produce(stream.events)
        let running = RunningRelay(harness.relayConfiguration(), logger: harness.logger)
        try await RelayHarness.waitUntil("every record consumed") { running.counters.consumed >= stream.events.count }
        try await running.stop()

        let expectedCount = stream.expected.values.map(\.count).reduce(0, +)
        let output = try await harness.readAll(harness.output, atLeast: expectedCount)
        #expect(RelayHarness.perJob(output) == stream.expected, "published sequence per job_id")
        #expect(output.count == expectedCount)
        #expect(
            output.allSatisfy { message in
                Murmur2Partitioner.partition(forKey: message.key ?? [], partitionCount: harness.partitions)
                    == message.partition
            }, "keyed by job_id with the murmur2 partitioner")
        try await checkDeadLetters(harness, stream)

        let counters = running.counters
        #expect(counters.consumed == stream.events.count)
        #expect(counters.isBalanced, "\(counters)")
        #expect(counters.published == expectedCount)
        #expect(counters.deadLettered == stream.invalidCount)
        #expect(counters.dropped[.duplicate, default: 0] > 0)
        #expect(counters.dropped[.afterTerminal, default: 0] > 0)
        #expect(counters.dropped[.stale, default: 0] > 0)
        print(
            "relay e2e: \(stream.events.count) consumed, \(counters.published) published, dropped \(counters.dropped.map { "\($0.key)=\($0.value)" }.sorted()), \(counters.deadLettered) dead-lettered, \(running.relay.status.current.transactionsCommitted) transactions"
        )
    }

    @Test func aCrashedRelayIsReplacedWithoutDuplicatesOrGaps() async throws {
        let harness = try await RelayHarness.start()
        defer { withExtendedLifetime(harness) {} }
        let stream = EventStream(jobs: Self.jobs, seed: 7)
        try await harness.produce(stream.events)
        let configuration = harness.relayConfiguration()

        let first = RunningRelay(configuration, logger: harness.logger)
        try await RelayHarness.waitUntil("a third consumed") { first.counters.consumed >= stream.events.count / 3 }
        try await first.abandon()  // no commit of the open transaction, as kill -9

        let second = RunningRelay(configuration, logger: harness.logger)
        try await RelayHarness.waitUntil("the rest consumed") {
            first.counters.consumed + second.counters.consumed >= stream.events.count
                && second.relay.status.current.isReady
        }
        // Records the first instance had consumed but not committed come round again.
        try await RelayHarness.waitUntil("replays settled") {
            second.counters.consumed + first.counters.consumed >= stream.events.count
        }
        try await Task.sleep(for: .seconds(1))
        try await second.stop()

        let expectedCount = stream.expected.values.map(\.count).reduce(0, +)
        let output = try await harness.readAll(harness.output, atLeast: expectedCount)
        let perJob = RelayHarness.perJob(output)
        #expect(perJob == stream.expected, "\(Self.difference(perJob, stream.expected))")
        if perJob != stream.expected, let job = perJob.keys.sorted().first(where: { perJob[$0] != stream.expected[$0] })
        {
            for message in output where message.key == Array(job.utf8) {
                print(
                    "DEBUG \(job) out \(message.topicPartition)@\(message.offset) from \(DeadLetter.source(of: message).map { "\($0.0)@\($0.1)" } ?? "-")"
                )
            }
        }
        #expect(second.counters.dropped[.duplicate, default: 0] > 0, "the restore makes replays duplicates")
        try await checkDeadLetters(harness, stream)
    }

    @Test func twoRelaysInOneGroupShareTheWork() async throws {
        let harness = try await RelayHarness.start()
        defer { withExtendedLifetime(harness) {} }
        let stream = EventStream(jobs: Self.jobs, seed: 99)
        let half = stream.events.count / 2
        try await harness.produce(Array(stream.events[..<half]))
        let first = RunningRelay(harness.relayConfiguration(transactionalID: "txn-a"), logger: harness.logger)
        try await RelayHarness.waitUntil("the first relay running") { first.counters.consumed > 0 }
        let second = RunningRelay(harness.relayConfiguration(transactionalID: "txn-b"), logger: harness.logger)
        try await harness.produce(Array(stream.events[half...]))
        try await RelayHarness.waitUntil("both relays got partitions") {
            first.relay.status.current.assignedPartitions > 0 && second.relay.status.current.assignedPartitions > 0
        }
        let expectedCount = stream.expected.values.map(\.count).reduce(0, +)
        try await RelayHarness.waitUntil("every transition published") {
            first.counters.published + second.counters.published >= expectedCount
        }
        try await Task.sleep(for: .seconds(1))
        try await first.stop()
        try await second.stop()

        let output = try await harness.readAll(harness.output, atLeast: expectedCount)
        #expect(RelayHarness.perJob(output) == stream.expected, "same exact output with partitions moving")
        try await checkDeadLetters(harness, stream)
    }

    @Test(.enabled(if: !RelayHarness.isExternal, "fault injection needs the in-process mock cluster"))
    func injectedFaultsKeepEveryTransitionInOrder() async throws {
        let harness = try await RelayHarness.start()
        defer { withExtendedLifetime(harness) {} }
        let mock = try #require(harness.mock)
        let stream = EventStream(jobs: Self.jobs, seed: 2024)
        let configuration = harness.relayConfiguration()
        let running = RunningRelay(configuration, logger: harness.logger)
        try await RelayHarness.waitUntil("the relay running") { running.relay.status.current.isReady }

        let third = stream.events.count / 3
        try await harness.produce(Array(stream.events[..<third]))
        // A transactional request error that requires abort.
        mock.pushRequestErrors(.addPartitionsToTransaction, [.topicAuthorizationFailed])
        try await harness.produce(Array(stream.events[third..<(2 * third)]))
        // The transaction coordinator moves; a broker goes down and comes back.
        try mock.setCoordinator(.transaction, key: configuration.transactionalID, broker: 2)
        try mock.setBrokerDown(3)
        let outage = Task {
            try await Task.sleep(for: .seconds(1))
            try mock.setBrokerUp(3)
        }
        try await harness.produce(Array(stream.events[(2 * third)...]))
        try await outage.value
        try await RelayHarness.waitUntil("every record consumed") { running.counters.consumed >= stream.events.count }
        try await running.stop()

        let expectedCount = stream.expected.values.map(\.count).reduce(0, +)
        let output = RelayHarness.perJob(try await harness.readAll(harness.output, atLeast: expectedCount))
        let aborted = running.relay.status.current.transactionsAborted
        #expect(aborted > 0, "the injected error made the relay abort")
        // The mock shows aborted records: collapse copies that an aborted transaction left behind.
        var extraCopies = 0
        var wrongJobs: [String: [String]] = [:]
        for (job, transitions) in stream.expected {
            let seen = output[job] ?? []
            if Self.containsInOrderWithOnlyCopies(seen, expected: transitions) {
                extraCopies += seen.count - transitions.count
            } else {
                wrongJobs[job] = seen
            }
        }
        #expect(wrongJobs.isEmpty, "\(Self.difference(wrongJobs, stream.expected))")
        #expect(extraCopies == 0 || aborted > 0, "extra copies only from aborted transactions")
        #expect(Set(output.keys) == Set(stream.expected.keys))
        #expect(running.counters.isBalanced)
    }

    /// A short, readable difference between two per-job outputs (status and progress of each record).
    static func difference(_ seen: [String: [String]], _ expected: [String: [String]], limit: Int = 3) -> String {
        func brief(_ records: [String]) -> String {
            records.map { record in
                guard let status = try? JobStatus.decode(Array(record.utf8)) else { return "?" }
                let progress = status.extras["progress"].map { "@\($0)" } ?? ""
                return status.status.name + progress
            }.joined(separator: " ")
        }
        let jobs = Set(seen.keys).union(expected.keys).filter { seen[$0] != expected[$0] }.sorted()
        let lines = jobs.prefix(limit).map { job in
            "\(job): got [\(brief(seen[job] ?? []))] expected [\(brief(expected[job] ?? []))]"
        }
        return "\(jobs.count) jobs differ; " + lines.joined(separator: "; ")
    }

    /// Every expected transition is present, in order (so none stale or missing), and whatever
    /// else is there is a copy of an expected record (left by an aborted transaction).
    static func containsInOrderWithOnlyCopies(_ seen: [String], expected: [String]) -> Bool {
        var next = 0
        for record in seen {
            if next < expected.count && record == expected[next] {
                next += 1
            } else if !expected.contains(record) {
                return false
            }
        }
        return next == expected.count
    }
}
