import Foundation
import Kafka
import Logging
import TestSupport
import Testing

/// librdkafka before 2.3.0 (Debian 12 ships 2.0.2) asserts in
/// `rd_kafka_sticky_assignor_state_destroy` when a cooperative-sticky consumer that has joined
/// its group (so the assignor is chosen) but never completed a SyncGroup (so its state is
/// NULL) is destroyed (confluentinc/librdkafka#4312, fixed by #4381): the process aborts. A
/// chaos run on tansu hit it: a member whose group never settled was told to stop.
@Suite("Closing a cooperative consumer", .timeLimit(.minutes(2)))
struct CooperativeCloseTests {
    /// Not under the sanitizers: the workaround leaves the handle allocated on purpose, which
    /// LeakSanitizer rightly reports (scripts/sanitize sets ASAN_OPTIONS / TSAN_OPTIONS).
    @Test(
        .enabled(if: !TestBroker.isExternal, "needs the mock cluster's error injection"),
        .enabled(if: !CooperativeCloseTests.isSanitized, "the workaround leaks the handle on purpose"))
    func aCooperativeConsumerThatJoinedButNeverSyncedClosesWithoutAborting() async throws {
        let broker = try TestBroker.start()
        let mock = try #require(broker.mock)
        let topic = TestBroker.uniqueName("coop-close")
        try await broker.createTopic(topic, partitions: 2)
        // Every SyncGroup fails: the member joins (and picks the assignor) but never gets its state.
        mock.pushRequestErrors(.syncGroup, Array(repeating: .rebalanceInProgress, count: 500))
        defer { mock.clearRequestErrors(.syncGroup) }
        let lines = LogLines()
        let consumer = try KafkaConsumer(
            configuration: broker.consumerConfiguration(
                group: TestBroker.uniqueName("coop-close"), ["partition.assignment.strategy": "cooperative-sticky"]),
            logger: Logger(label: "coop-close") { _ in CapturingLogHandler(lines: lines) })
        try consumer.subscribe(topics: [topic])
        // Poll long enough for JoinGroup to be answered and SyncGroup to fail (no assignment).
        let until = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < until {
            if case .rebalance(let rebalance) = await consumer.poll(timeout: .milliseconds(200)) {
                #expect(
                    rebalance.partitions.isEmpty || rebalance.kind != .assign, "no assignment while SyncGroup fails")
            }
        }
        await consumer.close()  // aborted the process with librdkafka 2.0.2
        #expect(lines.all.contains { $0.contains("not destroying a cooperative consumer") })
    }

    static var isSanitized: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["ASAN_OPTIONS"] != nil || environment["TSAN_OPTIONS"] != nil
    }
}
