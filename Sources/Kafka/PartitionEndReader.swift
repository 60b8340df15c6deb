public import Logging

/// Reads partitions to their end as it stands when the read starts, and remembers how far it
/// read each one: the next read of a partition starts where the last one stopped (a restore
/// after a rebalance reads only the tail), and ``next(maxMessages:timeout:)`` follows the
/// partitions past their end. The one "read a partition to its end" of the project: the relay's
/// restore, the monitor, `get`, `replay-dlq` and the tests' readers use it.
///
/// ## Where a partition ends
///
/// The end comes from fetch responses, never from ListOffsets (wrong on tansu, `brokers.md`) and
/// never from silence (which never comes while others write, and comes early when a fetch
/// stalls). A partition is read when either comes first:
/// - librdkafka reports its end (partition EOF): the offset past the last record the fetch
///   response holds, which under `read_committed` is the last stable offset, past the last
///   transaction's commit marker;
/// - the reader's position reaches the high watermark reported by the fetch response that
///   brought the partition's first record of this read (librdkafka's cache of it; a cache
///   from an earlier read is never trusted). Records written after that response are not
///   waited for.
///
/// Consequences:
/// - **`read_committed`** (``KafkaIsolation/readCommitted``, the default): the read ends at the
///   last stable offset. A transaction still open there holds the end until it ends, or until
///   the broker aborts it at `transaction.timeout.ms`; its records, and any committed after
///   them, are not read and not waited for. Brokers that do not mark aborted records
///   (`brokers.md`) show them to this reader like committed ones.
/// - **An empty partition**, or one whose records all lie beyond the last stable offset, ends
///   at once, at its partition EOF.
/// - **Time**: a read is bounded by a ``Limit``: a deadline, or a longest stall. Past it the
///   read fails with ``ReadToEndFailure/timedOut(_:)``, naming each partition not read to its
///   end, how far it got and its end if known; it never returns a partial read as complete.
/// - **Errors**: a fatal consumer error ends the read (``ReadToEndFailure/kafka(_:)``); others
///   are logged (debug) and the read goes on while librdkafka retries.
///
/// ## Reading ahead
///
/// A read keeps one poll in flight while it hands the last one's records to `apply`: the
/// consumer's thread takes the next batch out of librdkafka and copies it while the caller
/// works on this one (a restore that waited for each poll in turn spent about a third of its
/// time on the consumer's thread alone). The poll in flight when a read ends is kept: the next
/// ``next(maxMessages:timeout:)`` returns its event, and the next read drops it (it assigns the
/// partitions anew from the positions, which that event did not move).
///
/// One task owns a reader: it is not `Sendable`.
public final class PartitionEndReader {
    /// How long a read may take.
    public enum Limit: Sendable, Equatable {
        /// The read fails if it is not done by this instant (a restore: its deadline).
        case deadline(ContinuousClock.Instant)
        /// The read fails when this long passes without a record or a partition end: a long
        /// read of a large topic goes on as long as it moves (a command's read).
        case stall(Duration)
    }

    /// The most records one poll of a read returns.
    static let batchSize = 5000

    /// The consumer (internal: tests look at its queue).
    let consumer: KafkaConsumer
    private let logger: Logger
    /// The next offset to read per partition (absent: from the beginning).
    private var positions: [TopicPartition: KafkaOffset] = [:]
    /// The poll a read started ahead and did not use (see "Reading ahead").
    private var ahead: Task<KafkaConsumerEvent, Never>?

    /// A reader with a group of its own (it assigns partitions, and never commits): `configuration`
    /// with ``KafkaConfiguration/reader(groupID:isolation:reportingEnds:)`` on top.
    /// - Throws: ``KafkaError`` naming a property librdkafka rejected.
    public init(
        configuration: KafkaConfiguration, groupID: String, isolation: KafkaIsolation = .readCommitted,
        logger: Logger
    ) throws(KafkaError) {
        consumer = try KafkaConsumer(
            configuration: configuration.reader(groupID: groupID, isolation: isolation, reportingEnds: true),
            logger: logger)
        self.logger = logger
    }

    /// Asks for the cluster's metadata through the reader, so the first read finds the leaders
    /// of its partitions known (otherwise each partition first waits for a metadata refresh,
    /// about a second). It waits at most `timeout` (an unreachable broker delays the caller by
    /// that much); a failure only loses the head start.
    public func warmUp(timeout: Duration) async {
        do {
            _ = try await consumer.metadata(timeout: timeout)
        } catch {
            logger.debug("partition end reader: metadata warm-up failed", metadata: ["error": "\(error)"])
        }
    }

    /// Leaves the reader's group and closes its consumer.
    public func close() async {
        await dropAhead()
        await consumer.close()
    }

    /// Starts a poll that runs while the caller works on the last one's records.
    private func pollAhead(timeout: Duration) -> Task<KafkaConsumerEvent, Never> {
        let consumer = consumer
        let size = Self.batchSize
        return Task { await consumer.poll(maxMessages: size, timeout: timeout) }
    }

    /// The event of a poll started ahead, which ends at once when the waiting task is cancelled,
    /// as a poll of that task's own would (the poll ahead is a task of its own).
    private static func event(of poll: Task<KafkaConsumerEvent, Never>) async -> KafkaConsumerEvent {
        await withTaskCancellationHandler {
            await poll.value
        } onCancel: {
            poll.cancel()
        }
    }

    /// Ends the poll started ahead, if any, and drops its event: records and ends it holds
    /// moved no position, so a read from the positions reads them again.
    private func dropAhead() async {
        guard let ahead else { return }
        self.ahead = nil
        ahead.cancel()
        _ = await ahead.value
    }

    /// Reads `partitions` from where the last read of each stopped (from the beginning at
    /// first, or after ``forget(_:)``) to their end, handing each record to `apply`.
    /// - Parameters:
    ///   - limit: when to give up with ``ReadToEndFailure/timedOut(_:)``.
    ///   - progress: called after every poll (a watchdog heartbeat; at most about a second apart).
    ///   - isStopped: asked before every poll; once it says yes the read ends with
    ///     ``ReadToEndFailure/stopped`` (a stop request must not wait for a long read, and a
    ///     cancelled task's polls return at once, so the loop would spin to its limit).
    ///   - apply: receives each record, in partition order.
    /// - Returns: the number of records read.
    /// - Throws: ``ReadToEndFailure``.
    public func readToEnd(
        _ partitions: [TopicPartition], limit: Limit, progress: () -> Void = {},
        isStopped: () -> Bool = { Task.isCancelled }, apply: (KafkaMessage) -> Void
    ) async throws(ReadToEndFailure) -> Int {
        guard !partitions.isEmpty else { return 0 }
        await dropAhead()
        do {
            // A first read assigns offset 0, not the logical beginning: librdkafka 2.0.2 looks the
            // beginning up first, and retried that lookup after a fixed 500 ms for partitions of
            // topics created moments before (the relay's start on a fresh output: half a second
            // of every such start). Where records before the first one left are gone, the fetch
            // is out of range and `auto.offset.reset=earliest` (``KafkaConfiguration/reader(groupID:isolation:reportingEnds:)``) moves it there.
            try consumer.assign(partitions.map { TopicPartitionOffset($0, positions[$0] ?? KafkaOffset(rawValue: 0)) })
        } catch {
            throw .kafka(error)
        }
        var remaining = Set(partitions)
        var ends: [TopicPartition: KafkaOffset] = [:]
        var count = 0
        var moved = ContinuousClock.now
        while !remaining.isEmpty {
            if isStopped() { throw .stopped }
            let now = ContinuousClock.now
            let deadline =
                switch limit {
                case .deadline(let deadline): deadline
                case .stall(let longest): moved + longest
                }
            guard now < deadline else {
                throw .timedOut(
                    remaining.sorted().map {
                        ReadToEndFailure.Unfinished(
                            partition: $0, next: positions[$0] ?? KafkaOffset(rawValue: 0), end: ends[$0])
                    })
            }
            let timeout = min(Duration.seconds(1), deadline - now)
            let poll = ahead ?? pollAhead(timeout: timeout)
            // A cancelled read stops at once, as its own poll would.
            let event = await Self.event(of: poll)
            // The next poll runs while this one's records are applied; not after the last
            // partition's end, which ends the read.
            if case .endOfPartition(let end) = event, remaining == [end.topicPartition] {
                ahead = nil
            } else {
                ahead = pollAhead(timeout: timeout)
            }
            progress()
            switch event {
            case .messages(let batch):
                if !batch.isEmpty { moved = .now }
                // A batch holds runs of one partition's records: its position and end are
                // looked up once per run, not once per record.
                var run: (partition: TopicPartition, next: KafkaOffset)? = nil
                for message in batch {
                    apply(message)
                    if let current = run, current.partition == message.topicPartition {
                        run = (current.partition, message.offset.next)
                        continue
                    }
                    if let finished = run { positions[finished.partition] = finished.next }
                    run = (message.topicPartition, message.offset.next)
                    if ends[message.topicPartition] == nil {
                        // The fetch response that brought this record also brought the end.
                        let high = consumer.cachedWatermarks(for: message.topicPartition).high
                        if high.isConcrete { ends[message.topicPartition] = high }
                        logger.debug(
                            "read to end: end from the fetch response",
                            metadata: ["partition": "\(message.topicPartition)", "end": "\(high)"])
                    }
                }
                if let finished = run { positions[finished.partition] = finished.next }
                count += batch.count
            case .endOfPartition(let end):
                moved = .now
                noteEnd(end)
                remaining.remove(end.topicPartition)
                logger.debug("read to end: end of partition", metadata: ["partition": "\(end)"])
            case .error(let error):
                if error.isFatal { throw .kafka(error) }
                logger.debug("read to end: reader error", metadata: ["error": "\(error)"])
            case .rebalance:
                continue
            }
            for partition in remaining {
                if let end = ends[partition], positions[partition] ?? KafkaOffset(rawValue: 0) >= end {
                    remaining.remove(partition)
                }
            }
        }
        // The read is over: a poll still ahead stops now (a restore reader then takes no more
        // of its partitions out of librdkafka; a follower's next() gets what it had).
        ahead?.cancel()
        return count
    }

    // MARK: - Following

    /// The next event after what was read, for a reader that follows the partitions past the
    /// end it read to (the monitor): records (empty when `timeout` passed), a partition's end,
    /// or an error. Records and ends move the positions on, as a read does. The first call after
    /// a read returns the event of the poll the read started ahead (up to ``batchSize`` records,
    /// within a second of the read's end).
    public func next(maxMessages: Int = 5000, timeout: Duration) async -> KafkaConsumerEvent {
        let event: KafkaConsumerEvent
        if let ahead {
            self.ahead = nil
            // Cancellable as the follower's own poll is.
            event = await Self.event(of: ahead)
        } else {
            event = await consumer.poll(maxMessages: maxMessages, timeout: timeout)
        }
        switch event {
        case .messages(let batch):
            for message in batch {
                positions[message.topicPartition] = message.offset.next
            }
        case .endOfPartition(let end):
            noteEnd(end)
        case .error, .rebalance:
            break
        }
        return event
    }

    /// Notes a partition's end: under read_committed it lies past the last transaction's commit
    /// marker, which no record reaches.
    private func noteEnd(_ end: TopicPartitionOffset) {
        let read = max(positions[end.topicPartition]?.rawValue ?? 0, end.offset.rawValue)
        positions[end.topicPartition] = KafkaOffset(rawValue: read)
    }

    // MARK: - Positions

    /// The next offset a read of `partition` returns; `nil` before anything was read of it (or
    /// after ``forget(_:)``): the next read starts at its beginning.
    public func position(of partition: TopicPartition) -> KafkaOffset? {
        positions[partition]
    }

    /// Forgets how far these partitions were read: the next read starts at their beginning.
    public func forget(_ partitions: some Sequence<TopicPartition>) {
        for partition in partitions { positions[partition] = nil }
    }

    /// Where the reader stands against the end the last fetch reported, summed over `partitions`:
    /// records known to be there and not read yet (0 when no fetch has reported an end).
    public func unread(_ partitions: [TopicPartition]) -> Int64 {
        partitions.reduce(0) { total, partition in
            let high = consumer.cachedWatermarks(for: partition).high.rawValue
            let next = positions[partition]?.rawValue ?? 0
            return total + (high >= 0 ? max(0, high - next) : 0)
        }
    }

    /// Asks the cluster for its metadata: whether a broker answers within `timeout`.
    public func reachesABroker(timeout: Duration) async -> Bool {
        (try? await consumer.metadata(timeout: timeout)) != nil
    }
}
