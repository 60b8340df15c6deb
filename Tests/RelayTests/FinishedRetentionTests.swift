import Foundation
import JobStatus
import Kafka
import TestSupport
import Testing

@testable import Relay

/// `output.finished-retention` (issue 15): finished jobs leave the output topic and the table
/// on schedule, and stay gone: a long run keeps the live key count, the table and what a
/// restore holds flat, while late events for forgotten jobs are dropped.
@Suite("Finished-job retention", .timeLimit(.minutes(4)), serializedOnASharedBroker)
struct FinishedRetentionTests {
    static let rounds = 6
    static let finishedPerRound = 40
    static let openPerRound = 5

    static func event(_ job: String, _ status: String, _ message: String) -> (key: String, value: [UInt8]) {
        (job, Array(#"{"job_id":"\#(job)","status":"\#(status)","status_msg":"\#(message)"}"#.utf8))
    }

    /// Each round: lifecycles that finish, and a few jobs left running.
    static func round(_ round: Int) -> [(key: String, value: [UInt8])] {
        var events: [(key: String, value: [UInt8])] = []
        for index in 0..<finishedPerRound {
            let job = "done-\(round)-\(index)"
            events += [
                event(job, "QUEUED", "q"), event(job, "RUNNING", "r"),
                event(job, index % 2 == 0 ? "DONE" : "ERROR", "end"),
            ]
        }
        for index in 0..<openPerRound { events.append(event("open-\(round)-\(index)", "RUNNING", "r")) }
        return events
    }

    func configuration(_ harness: RelayHarness) -> RelayConfiguration {
        var configuration = harness.relayConfiguration()
        configuration.finishedRetention = .seconds(1)
        configuration.finishedHorizon = .seconds(3600)
        return configuration
    }

    @Test func finishedJobsLeaveOnScheduleAndStayGone() async throws {
        let harness = try await RelayHarness.start()
        defer { withExtendedLifetime(harness) {} }
        let running = RunningRelay(configuration(harness), logger: harness.logger)
        var tracked: [Int] = []
        for round in 0..<Self.rounds {
            try await harness.produce(raw: Self.round(round))
            try await harness.waitUntilCommitted([running], ends: try await harness.inputEnds())
            let finished = Self.finishedPerRound * (round + 1)
            try await waitUntil("round \(round): every finished job tombstoned", timeout: .seconds(60)) {
                running.counters.finishedTombstones >= finished
            }
            tracked.append(running.relay.status.current.trackedJobs)
        }
        // Flat: the table holds the jobs still running, never the finished ones.
        #expect(tracked == (1...Self.rounds).map { $0 * Self.openPerRound }, "jobs tracked after each round")
        #expect(running.counters.finishedTombstones == Self.rounds * Self.finishedPerRound, "one tombstone per job")

        // A late event for a forgotten job is dropped, not a new job.
        try await harness.produce(raw: [Self.event("done-0-0", "RUNNING", "late")])
        try await harness.waitUntilCommitted([running], ends: try await harness.inputEnds())
        // The broker may show the group's offsets before the relay has applied that commit.
        try await waitUntil("the late event counted") { running.counters.dropped[.afterTerminal, default: 0] > 0 }
        #expect(running.counters.dropped[.afterTerminal, default: 0] == 1)
        try await running.stop()

        let output = try await harness.broker.readToEnd(harness.output)
        try Self.checkOutput(output)

        // An operator removes a running job: a restore forgets it, but does not hold it finished.
        try await harness.broker.produce(
            [
                KafkaOutgoingMessage(topic: harness.output, key: Array("open-0-0".utf8), value: nil)
            ], ["partitioner": "murmur2_random"])  // the job's own partition, as a Java client picks it

        // A fresh instance restores only the live jobs, and still remembers the forgotten ones.
        let restored = RunningRelay(configuration(harness), logger: harness.logger)
        try await waitUntil("the new instance restored") {
            restored.relay.status.current.phase == .running && restored.relay.status.current.assignedPartitions > 0
        }
        #expect(restored.relay.status.current.trackedJobs == Self.rounds * Self.openPerRound - 1)
        try await harness.produce(raw: [
            Self.event("done-1-3", "RUNNING", "late again"), Self.event("open-0-0", "DONE", "back"),
        ])
        try await harness.waitUntilCommitted([restored], ends: try await harness.inputEnds())
        // Dropped, not published: the new late event, and the first one again where the input is
        // replayed from before it (the mock keeps no transactional offsets; seen on tansu too).
        #expect((1...2).contains(restored.counters.dropped[.afterTerminal, default: 0]), "\(restored.counters)")
        #expect(restored.counters.published == 1, "only the job the operator removed comes back: \(restored.counters)")
        try await restored.stop()
        // The job that came back is DONE: a second after it, its own retention tombstone is due,
        // and a slow machine may reach the stop after that. Nothing else is written: no job is
        // tombstoned twice.
        let tombstoned = restored.counters.finishedTombstones
        #expect(tombstoned <= 1, "at most the job that came back: \(restored.counters)")
        let final = try await harness.broker.readToEnd(harness.output)
        let before = Set(output.map { "\($0.partition)@\($0.offset.rawValue)" })
        let added = final.filter { !before.contains("\($0.partition)@\($0.offset.rawValue)") }
        #expect(
            added.count == 2 + tombstoned && added.allSatisfy { $0.key == Array("open-0-0".utf8) },
            "the operator's tombstone and the job it removed (and that job's own retention tombstone), nothing else")
    }

    /// A finished job's tombstone is written by the instance that owns its input partition when
    /// it is due, never by one that handled the job before a rebalance took the partition away.
    @Test func onlyTheOwnerOfAJobsPartitionTombstonesIt() async throws {
        let harness = try await RelayHarness.start(partitions: 2)
        defer { withExtendedLifetime(harness) {} }
        var configuration = harness.relayConfiguration()
        configuration.finishedRetention = .seconds(30)
        configuration.finishedHorizon = .seconds(3600)
        let jobs = (0..<40).map { "finished-\($0)" }
        try await harness.produce(raw: jobs.flatMap { [Self.event($0, "QUEUED", "q"), Self.event($0, "DONE", "d")] })
        let first = RunningRelay(configuration, logger: harness.logger)
        try await harness.waitUntilCommitted([first], ends: try await harness.inputEnds())
        // The broker shows the group's offsets a moment before the relay has applied the commit
        // that sent them (one fresh-clone run on tansu read the status in between).
        try await waitUntil("the first relay handled every job") {
            first.relay.status.current.trackedJobs == jobs.count
        }

        var secondConfiguration = configuration
        secondConfiguration.transactionalID = "\(configuration.transactionalID)-second"
        let second = RunningRelay(secondConfiguration, logger: harness.logger)
        try await waitUntil("one partition each") {
            [first, second].allSatisfy {
                $0.relay.status.current.assignedPartitions == 1 && $0.relay.status.current.phase == .running
            }
        }
        try #require(first.counters.finishedTombstones == 0, "the rebalance came before any job was due")
        try await waitUntil("every finished job tombstoned", timeout: .seconds(120)) {
            first.counters.finishedTombstones > 0 && second.counters.finishedTombstones > 0
                && first.counters.finishedTombstones + second.counters.finishedTombstones >= jobs.count
        }
        try await first.stop()
        try await second.stop()

        #expect(first.counters.finishedTombstones + second.counters.finishedTombstones == jobs.count)
        let tombstones = try await harness.broker.readToEnd(harness.output).filter { $0.value == nil }
        let keys = tombstones.map { String(decoding: $0.key ?? [], as: UTF8.self) }
        #expect(keys.count == jobs.count && Set(keys) == Set(jobs), "one tombstone per job: \(keys.count)")
    }

    @Test func aTombstoneForgetsTheJobOnlyWhenItCommits() {
        let done = PublishedState(status: .done, canonicalBytes: Array("d".utf8))
        let source = SourcePosition(topicIndex: 0, partition: 1, offset: 7)
        var table = DedupTable()
        table.restore("a", done, source: source, timestamp: 1000)
        table.restore("b", PublishedState(status: .running, canonicalBytes: Array("r".utf8)), timestamp: 1000)
        let none = DedupTable.Pending()
        #expect(
            table.finishedJobs(publishedAtOrBefore: 999, limit: 10, pending: none) { _, _ in true }.isEmpty,
            "not yet due")
        #expect(
            table.finishedJobs(publishedAtOrBefore: 1000, limit: 10, pending: none) { _, _ in true } == ["a"],
            "never b: running")
        #expect(
            table.finishedJobs(publishedAtOrBefore: 1000, limit: 10, pending: none) { $1 != source }.isEmpty,
            "not owned")

        var aborted = DedupTable.Pending()
        aborted.recordTombstone("a", at: 5000)
        #expect(
            table["a", pending: aborted] == nil && table.isRecentlyFinished("a", pending: aborted),
            "gone within the transaction")
        #expect(table.committed("a") == done)
        #expect(
            table.committed("a") == done && !table.isRecentlyFinished("a", pending: .init()), "an abort brings it back")

        var tombstone = DedupTable.Pending()
        tombstone.recordTombstone("a", at: 5000)
        table.apply(tombstone)
        #expect(table.committed("a") == nil && table.count == 1 && table.isRecentlyFinished("a", pending: .init()))
        table.forgetFinished(before: 5000)
        #expect(table.isRecentlyFinished("a", pending: .init()), "within the horizon")
        table.forgetFinished(before: 5001)
        #expect(!table.isRecentlyFinished("a", pending: .init()), "after the horizon a new event starts the job anew")

        var changing = DedupTable()
        changing.restore("x", done, source: source, timestamp: 1000)
        #expect(changing.isFinished("x", publishedAtOrBefore: 1000, pending: none))
        #expect(!changing.isFinished("x", publishedAtOrBefore: 999, pending: none), "not yet due")
        var final = DedupTable.Pending()
        final.recordPublish("x", PublishedState(status: .error, canonicalBytes: Array("e".utf8)), publishedAt: 3000)
        #expect(
            !changing.isFinished("x", publishedAtOrBefore: 1000, pending: final),
            "a new final status in the open transaction")
        changing.apply(final)
        #expect(!changing.isFinished("x", publishedAtOrBefore: 1000, pending: none), "its record is fresh: not due")

        table.restore("c", nil, timestamp: 9000)
        #expect(!table.isRecentlyFinished("c", pending: .init()), "restored tombstones count only with retention on")
        table.restore("c", nil, timestamp: 9000, remembersTombstone: true)
        #expect(table.isRecentlyFinished("c", pending: .init()))
    }

    @Test func theClockIgnoresWallClockJumpsDuringARun() {
        let start = ContinuousClock.now
        let clock = AnchoredClock(wallMilliseconds: 1_000_000, at: start)
        #expect(clock.milliseconds(at: start) == 1_000_000)
        #expect(clock.milliseconds(at: start + .milliseconds(1500)) == 1_001_500)
        #expect(Duration.seconds(2).wholeMilliseconds == 2000)
    }

    /// Per job: a finished one is its three transitions then one tombstone, at least the retention
    /// after its terminal record (by the records' own timestamps); a running one has no tombstone.
    static func checkOutput(_ output: [KafkaMessage]) throws {
        var perJob: [String: [KafkaMessage]] = [:]
        for message in output.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            perJob[String(decoding: message.key ?? [], as: UTF8.self), default: []].append(message)
        }
        #expect(perJob.count == rounds * (finishedPerRound + openPerRound))
        var live = 0
        for (job, records) in perJob {
            if job.hasPrefix("open-") {
                #expect(records.count == 1 && records[0].value != nil, "\(job): running, never tombstoned")
                live += 1
                continue
            }
            #expect(records.count == 4, "\(job): \(records.count) records")
            #expect(records.dropLast().allSatisfy { $0.value != nil } && records.last?.value == nil, "\(job)")
            #expect(records.last?.header(RelayLoop.retentionHeader) != nil, "\(job): marked as a retention tombstone")
            let terminal = try #require(records.dropLast().last?.timestampMilliseconds)
            let tombstone = try #require(records.last?.timestampMilliseconds)
            #expect(tombstone - terminal >= 1000, "\(job): tombstoned \(tombstone - terminal) ms after finishing")
        }
        #expect(live == rounds * openPerRound, "live keys: only the running jobs")
    }
}
