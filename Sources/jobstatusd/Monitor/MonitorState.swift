import Foundation
import Kafka
import Monitor

/// What the monitor's HTTP side reads and the feed writes: the job index, where the read
/// stands, and the subscribers of the live event stream. One lock over all of it, so that a
/// subscriber that resumes gets the backlog and then every later event, none twice.
final class MonitorState: Sendable {
    /// Where the feed stands.
    struct Feed: Sendable, Equatable {
        /// Read to the end once: the index holds the whole topic as it stood then.
        var loaded = false
        /// Whether a broker answered lately.
        var connected = true
        /// Records the last fetches reported and the monitor has not read yet.
        var unread: Int64 = 0
        /// Records read since start.
        var read = 0
        /// The last feed error, for the page.
        var lastError: String?
        /// How long the first read to the end took, once it has.
        var firstRead: Duration?
    }

    /// An event of the live stream.
    enum Event: Sendable {
        case transition(JobTransition)
        case feed(Feed)
        /// Nothing happened: keeps idle connections alive, and finds clients that went away.
        case heartbeat
        /// What the client holds is not the topic any more: reload (sent when the first read
        /// ends, since the records of that read are not sent one by one). The reload shows the
        /// index as it stands at `sequence`, the event's id: a client that reconnects after it
        /// resumes from there, not from an id of before the reset.
        case reset(sequence: UInt64)
    }

    private struct Guarded {
        var index: JobIndex
        var feed = Feed()
        var subscribers: [UUID: AsyncStream<Event>.Continuation] = [:]
    }

    /// Events a subscriber may fall behind by before it is cut off (and resumes).
    static let subscriberBuffer = 20_000

    /// Tells clients from another run apart: sequence numbers restart with the process.
    let runID: String
    private let guarded: Locked<Guarded>

    init(limits: JobIndex.Limits = .init(), runID: String = String(UUID().uuidString.prefix(8)).lowercased()) {
        self.runID = runID
        guarded = Locked(Guarded(index: JobIndex(limits: limits)))
    }

    // MARK: - The feed's side

    /// Applies a batch of records in topic order. Once the first read is done, each transition
    /// goes to the subscribers and counts in the rate; before, the records are the topic's
    /// history, and clients get one `reset` when it is loaded (``markLoaded()``).
    func apply(_ batch: [KafkaMessage], now: Date = Date()) {
        let second = Int64(now.timeIntervalSince1970)
        let overflowed = guarded.withLock { state in
            var overflowed: [AsyncStream<Event>.Continuation] = []
            let live = state.feed.loaded
            for message in batch {
                state.feed.read += 1
                guard
                    let transition = state.index.apply(
                        key: message.key, value: message.value, timestamp: message.timestampMilliseconds ?? 0,
                        seenAt: live ? second : nil)
                else { continue }
                if live { overflowed += Self.send(.transition(transition), to: &state.subscribers) }
            }
            return overflowed
        }
        // Outside the lock: finishing runs the stream's termination handler, which takes it.
        overflowed.forEach { $0.finish() }
    }

    /// Makes room in the index for `jobs` jobs (``JobIndex/reserveCapacity(_:)``).
    func reserveCapacity(_ jobs: Int) {
        guarded.withLock { $0.index.reserveCapacity(jobs) }
    }

    /// The first read reached the end: from now on transitions go out one by one, and the
    /// clients connected meanwhile reload.
    /// - Parameter took: how long the first read took.
    func markLoaded(took: Duration? = nil) {
        let overflowed = guarded.withLock { state -> [AsyncStream<Event>.Continuation] in
            guard !state.feed.loaded else { return [] }
            state.feed.loaded = true
            state.feed.firstRead = took
            return Self.send(.feed(state.feed), to: &state.subscribers)
                + Self.send(.reset(sequence: state.index.lastSequence), to: &state.subscribers)
        }
        overflowed.forEach { $0.finish() }
    }

    /// Changes what the feed reports; subscribers hear of it when it changed.
    func updateFeed(_ change: (inout Feed) -> Void) {
        let overflowed = guarded.withLock { state -> [AsyncStream<Event>.Continuation] in
            let before = state.feed
            change(&state.feed)
            guard state.feed != before else { return [] }
            return Self.send(.feed(state.feed), to: &state.subscribers)
        }
        overflowed.forEach { $0.finish() }
    }

    /// Sends a heartbeat to every subscriber.
    func heartbeat() {
        let overflowed = guarded.withLock { Self.send(.heartbeat, to: &$0.subscribers) }
        overflowed.forEach { $0.finish() }
    }

    /// Ends every subscriber's stream (the monitor is stopping: open event streams must not hold it).
    func finishSubscribers() {
        let all = guarded.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        all.forEach { $0.finish() }
    }

    /// Sends `event` to every subscriber; one too slow to keep up (its buffer full) is removed
    /// and returned, to be finished: its client reconnects with `Last-Event-ID` and resumes.
    private static func send(
        _ event: Event, to subscribers: inout [UUID: AsyncStream<Event>.Continuation]
    ) -> [AsyncStream<Event>.Continuation] {
        var overflowed: [AsyncStream<Event>.Continuation] = []
        for (id, subscriber) in subscribers {
            if case .dropped = subscriber.yield(event) {
                subscribers[id] = nil
                overflowed.append(subscriber)
            }
        }
        return overflowed
    }

    // MARK: - The HTTP side

    var feed: Feed { guarded.withLock { $0.feed } }

    func read<Result>(_ body: (JobIndex) -> Result) -> Result {
        guarded.withLock { body($0.index) }
    }

    /// A stream of every event from now on; the transitions after `lastSequence` before it
    /// (nil when they are no longer all kept, or `lastSequence` is another run's: reload); and
    /// the last sequence as the stream starts (what a reload shows).
    func subscribe(
        after lastSequence: UInt64?
    ) -> (backlog: [JobTransition]?, current: UInt64, events: AsyncStream<Event>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Event>.makeStream(
            bufferingPolicy: .bufferingOldest(Self.subscriberBuffer))
        let (backlog, current) = guarded.withLock { state -> ([JobTransition]?, UInt64) in
            state.subscribers[id] = continuation
            return (lastSequence.map { state.index.transitions(after: $0) } ?? [], state.index.lastSequence)
        }
        continuation.onTermination = { [weak self] _ in
            self?.guarded.withLock { state in _ = state.subscribers.removeValue(forKey: id) }
        }
        return (backlog, current, stream)
    }

    var subscriberCount: Int { guarded.withLock { $0.subscribers.count } }
}
