import Foundation
import Kafka
import Logging
import Relay
import ServiceLifecycle

/// Reads the compacted output topic into ``MonitorState``: to its end first (the restore's
/// rule, ``TopicFollower``), then following it. It tells the state whether a broker answers
/// and how many records it knows of and has not read, which the page shows.
struct MonitorFeed: Service {
    let kafka: KafkaConfiguration
    let topic: String
    let state: MonitorState
    /// How long the first read to the end may take before the monitor gives up (exit 1).
    var loadTimeout: Duration = .seconds(300)
    let logger: Logger

    func run() async throws {
        // However the feed ends, open event streams end with it: the HTTP server waits for
        // its responses before it stops.
        defer { state.finishSubscribers() }
        let partitions = try await OutputTopicReader(kafka: kafka, topic: topic, logger: logger).partitionCount()
        let follower = try TopicFollower(kafka: kafka, topic: topic, partitions: partitions, logger: logger)
        do {
            try await load(follower)
            await follow(follower)
        } catch let failure as ReadToEndFailure where failure == .stopped {
            // Asked to stop during the first read: not a failure.
        } catch {
            await follower.close()
            throw error
        }
        await follower.close()
    }

    /// The most jobs the first read makes room for ahead (a topic not yet compacted holds more
    /// records than jobs).
    private static let largestReservation = 8_000_000

    /// Open event streams hear from the monitor at least this often, during the first read too.
    private static let heartbeatInterval = Duration.seconds(15)

    private static var isStopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    private func load(_ follower: TopicFollower) async throws {
        let started = ContinuousClock.now
        var batch: [KafkaMessage] = []
        batch.reserveCapacity(5000)
        var heartbeat = Pace(every: Self.heartbeatInterval)
        var reserved = 0
        let count = try await follower.readToEnd(
            deadline: .now + loadTimeout,
            progress: {
                if heartbeat.isDue() { state.heartbeat() }
                // The page shows how far the first read has to go; and the index makes room for
                // the records the fetches report at once, instead of growing (and rehashing
                // every job_id) as they come. Untouched room costs address space, not memory.
                let unread = follower.unread
                state.updateFeed { $0.unread = unread }
                let known = state.feed.read + Int(unread)
                if known > 2 * reserved {
                    reserved = min(known, Self.largestReservation)
                    state.reserveCapacity(reserved)
                }
            },
            isStopped: { Self.isStopping }
        ) { message in
            batch.append(message)
            if batch.count == 5000 {
                state.apply(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        state.apply(batch)
        let took = ContinuousClock.now - started
        state.markLoaded(took: took)
        logger.notice(
            "monitor: read the topic to its end",
            metadata: [
                "topic": "\(topic)", "records": "\(count)", "jobs": "\(state.read(\.count))", "took": "\(took)",
            ])
    }

    private func follow(_ follower: TopicFollower) async {
        var lastRecord = ContinuousClock.now
        var brokerCheck = Pace(every: .seconds(2))
        var heartbeat = Pace(every: Self.heartbeatInterval)
        while !Self.isStopping {
            if heartbeat.isDue() { state.heartbeat() }
            switch await follower.next(timeout: .milliseconds(250)) {
            case .messages(let batch) where !batch.isEmpty:
                state.apply(batch)
                lastRecord = .now
                state.updateFeed {
                    $0.connected = true
                    $0.unread = follower.unread
                }
            case .error(let error):
                logger.debug("monitor: feed error", metadata: ["error": "\(error)"])
                // One broker's transport error is not an outage (the others may serve); every
                // broker down is, and the metadata check below says when one answers again.
                if error.code == .allBrokersDown {
                    state.updateFeed {
                        $0.connected = false
                        $0.lastError = "\(error)"
                    }
                }
            case .messages, .endOfPartition, .rebalance:
                break
            }
            // While nothing arrives, ask a broker every 2 s: silence and a dead link look alike.
            if ContinuousClock.now - lastRecord > .seconds(2), brokerCheck.isDue() {
                let reached = await follower.reachesABroker(timeout: .seconds(2))
                state.updateFeed {
                    $0.connected = reached
                    $0.unread = follower.unread
                    if reached { $0.lastError = nil }
                }
            }
        }
    }
}

/// Says yes at most once per interval: for the feed's periodic chores.
private struct Pace {
    let every: Duration
    private var last = ContinuousClock.now

    init(every: Duration) { self.every = every }

    mutating func isDue() -> Bool {
        guard ContinuousClock.now - last > every else { return false }
        last = .now
        return true
    }
}
