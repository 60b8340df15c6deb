/// The consumer's decisions on its client thread, without I/O (the pattern of swift-nio's state
/// machines, as in the relay's `RelayStateMachine`): ``ConsumerEngine`` reports what happened,
/// the machine answers with what to do, and the engine does it.
///
/// What it decides:
/// - **Which poll gets which event.** Records go to the poll being served. Partition ends,
///   errors, and records or rebalances that come with no poll to take them wait in a buffer, in
///   order, for the next poll.
/// - **The rebalance hand-off.** A rebalance that comes while a poll is served goes to that poll
///   *before* librdkafka applies it; the rebalance callback then runs the caller's jobs (commit,
///   restore) until its next poll, and only then applies the change (``KafkaRebalance``).
/// - **Which records are stale.** Records of partitions revoked during the consume call that took
///   them out of librdkafka, and buffered records and ends of partitions that a revoke, a new
///   manual assignment or a seek moved away from, are dropped.
///
///     idle -> fetching -> consuming -> fetching -> ... -> idle (the poll answered)
///                             |-> handingOver -> consuming (for the caller's next poll, or none)
///     idle -> closing
///
/// Every event switches over every state. An event that cannot happen in a state traps there:
/// the client thread rules it out (it runs one poll at a time; librdkafka calls back only from
/// inside a consume call or the close; the close is a top-level job, never run inside the
/// callback). Events that only touch the buffer (``assignmentReplaced(by:)``,
/// ``applyFailed(_:)``) mean the same in every state; ``positionsMoved(_:)`` also marks a consume
/// call under way, whose records of those partitions lie before the seek. Tested without a
/// broker in `ConsumerHandoffStateMachineTests`.
struct ConsumerHandoffStateMachine {
    enum State: Equatable {
        /// No poll is being served.
        case idle
        /// A poll is being served, outside librdkafka.
        case fetching(FetchRequest)
        /// Inside librdkafka's consume call.
        case consuming(Consume)
        /// Inside the rebalance callback: the rebalance went to the caller, whose jobs run until
        /// its next poll. `consume` is the consume call the callback came from (`nil`: none).
        case handingOver(consume: Consume?, Rebalance)
        /// The consumer is closing: a poll is answered at once (from the buffer, or empty), and
        /// rebalances are applied without being handed out. The poll being answered, if any.
        case closing(FetchRequest?)
    }

    /// One call of `rd_kafka_consume_batch_queue`.
    struct Consume: Equatable {
        /// Who gets the records the call takes out of librdkafka.
        enum Recipient: Equatable {
            /// The poll that started the call.
            case caller(FetchRequest)
            /// A rebalance answered that poll during the call; this is the caller's next poll.
            case nextPoll(FetchRequest)
            /// A rebalance answered that poll and no next one came (the consumer is closing, or
            /// its thread stopping): records wait in the buffer.
            case none
        }

        var recipient: Recipient
        /// Whether partitions were revoked during the call: its records of partitions no longer
        /// assigned are dropped.
        var revoked = false
        /// Partitions whose positions moved during the call (a seek run while a rebalance was
        /// handed over): its records of them lie before the seek, and are dropped.
        var moved: Set<TopicPartition> = []

        /// Whether the call's record of `partition` goes to its recipient.
        func keeps(_ partition: TopicPartition, assigned: Set<TopicPartition>) -> Bool {
            (!revoked || assigned.contains(partition)) && !moved.contains(partition)
        }
    }

    /// A rebalance as librdkafka's callback reports it.
    struct Rebalance: Equatable {
        var rebalance: KafkaRebalance
        /// librdkafka reported a rebalance error instead of an assignment or a revocation
        /// (``KafkaRebalance/Kind/lost``): the whole assignment goes.
        var isError = false
    }

    /// The librdkafka call that applies a rebalance (to the callback's partition list).
    enum AssignmentChange: Equatable {
        /// `rd_kafka_assign` with the partitions (eager: they are the whole new assignment).
        case assign
        /// `rd_kafka_incremental_assign` (cooperative).
        case incrementalAssign
        /// `rd_kafka_incremental_unassign` (a cooperative revoke or loss).
        case incrementalUnassign
        /// `rd_kafka_assign(NULL)`: the whole assignment goes (an eager revoke or loss, or a
        /// rebalance error).
        case unassignAll
    }

    /// What the fetch loop does next.
    enum FetchAction: Equatable {
        /// Nothing: ask ``nextStep(errors:fatal:isStopping:)`` again while ``isServingPoll``.
        case none
        /// Answer this poll with the event.
        case complete(FetchRequest, KafkaConsumerEvent)
        /// Take up to `maxMessages` records out of librdkafka without waiting, and report what
        /// came out: ``consumed(_:events:)``, ``consumedNothing()`` or ``consumeFailed(_:)``.
        case consume(maxMessages: Int)
        /// Nothing came out: wait for librdkafka or a job until the poll's deadline; once it
        /// has passed, or when jobs wait, report ``pollTimedOut()``.
        case waitForRecords(FetchRequest)
    }

    /// What the rebalance callback does.
    enum RebalanceAction: Equatable {
        /// Answer this poll with the rebalance, run the caller's jobs until its next poll, and
        /// report that poll (or none) with ``handedOver(to:)``, which says how to apply it.
        case handOver(FetchRequest, KafkaRebalance)
        /// Apply the rebalance with this call now; report a failure with ``applyFailed(_:)``.
        case apply(AssignmentChange)
    }

    private(set) var state: State = .idle
    /// Events for the next poll, oldest first.
    private(set) var buffered: [KafkaConsumerEvent] = []
    /// The partitions assigned: by the group's rebalances, or by a manual assignment.
    private(set) var assigned: Set<TopicPartition> = []

    /// Whether the fetch loop has a poll to answer.
    var isServingPoll: Bool {
        switch state {
        case .fetching, .closing(.some): true
        case .idle, .consuming, .handingOver, .closing(.none): false
        }
    }

    // MARK: - Polls

    /// A poll's job runs on the client thread: serve it while ``isServingPoll``.
    mutating func pollArrived(_ request: FetchRequest) {
        switch state {
        case .idle:
            state = .fetching(request)
        case .closing:
            state = .closing(request)
        case .fetching, .consuming, .handingOver:
            preconditionFailure("a poll arrived while another was served (\(state))")
        }
    }

    /// The fetch loop's next step: an answer from the buffer, or the end of the poll (fatal
    /// error, cancelled, thread stopping, closing), or a consume call.
    /// - Parameters:
    ///   - errors: client errors reported since the last step; they join the buffer.
    ///   - fatal: the client's fatal error, which answers every poll from now on.
    ///   - isStopping: whether the client thread is stopping.
    mutating func nextStep(errors: [KafkaError], fatal: KafkaError?, isStopping: Bool) -> FetchAction {
        buffered += errors.map { .error($0) }
        switch state {
        case .fetching(let request):
            if let event = fatal.map({ KafkaConsumerEvent.error($0) }) ?? takeBuffered() {
                state = .idle
                return .complete(request, event)
            }
            if request.isCancelled || isStopping {
                state = .idle
                return .complete(request, .messages([]))
            }
            state = .consuming(Consume(recipient: .caller(request)))
            return .consume(maxMessages: request.maxMessages)
        case .closing(.some(let request)):
            state = .closing(nil)
            return .complete(request, fatal.map { .error($0) } ?? takeBuffered() ?? .messages([]))
        case .idle, .closing(.none):
            return .none
        case .consuming, .handingOver:
            preconditionFailure("the fetch loop stepped inside librdkafka's consume call (\(state))")
        }
    }

    /// The consume call took records out of librdkafka.
    /// - Parameters:
    ///   - records: the records, in librdkafka's order.
    ///   - events: the partition ends and errors among them, in order; they join the buffer.
    mutating func consumed(_ records: [KafkaMessage], events: [KafkaConsumerEvent]) -> FetchAction {
        switch state {
        case .consuming(let consume):
            buffered += events
            let kept =
                consume.revoked || !consume.moved.isEmpty
                ? records.filter { consume.keeps($0.topicPartition, assigned: assigned) } : records
            guard !kept.isEmpty else {
                state = consume.recipient.nextState
                return .none
            }
            state = .idle
            switch consume.recipient {
            case .caller(let request), .nextPoll(let request):
                return .complete(request, .messages(kept))
            case .none:
                buffered.append(.messages(kept))
                return .none
            }
        case .idle, .fetching, .handingOver, .closing:
            preconditionFailure("records came out of librdkafka outside a consume call (\(state))")
        }
    }

    /// The consume call found nothing.
    mutating func consumedNothing() -> FetchAction {
        switch state {
        case .consuming(let consume):
            state = consume.recipient.nextState
            switch consume.recipient {
            case .caller(let request):
                return .waitForRecords(request)
            case .nextPoll, .none:
                // A rebalance answered the poll that started the call: the next one starts afresh.
                return .none
            }
        case .idle, .fetching, .handingOver, .closing:
            preconditionFailure("a consume call ended outside a consume call (\(state))")
        }
    }

    /// The consume call failed (or could not be made): the poll it serves gets the error.
    mutating func consumeFailed(_ error: KafkaError) -> FetchAction {
        switch state {
        case .consuming(let consume):
            state = .idle
            switch consume.recipient {
            case .caller(let request), .nextPoll(let request):
                return .complete(request, .error(error))
            case .none:
                return .none
            }
        case .idle, .fetching, .handingOver, .closing:
            preconditionFailure("a consume call failed outside a consume call (\(state))")
        }
    }

    /// The poll's deadline passed with nothing to return, or jobs wait for the thread.
    mutating func pollTimedOut() -> FetchAction {
        switch state {
        case .fetching(let request):
            state = .idle
            return .complete(request, .messages([]))
        case .idle, .consuming, .handingOver, .closing:
            preconditionFailure("a poll timed out while none waited for records (\(state))")
        }
    }

    // MARK: - Rebalances

    /// librdkafka's rebalance callback reports a change.
    /// - Parameter isError: librdkafka reported a rebalance error (the whole assignment goes).
    mutating func rebalanceArrived(_ rebalance: KafkaRebalance, isError: Bool = false) -> RebalanceAction {
        let arrived = Rebalance(rebalance: rebalance, isError: isError)
        switch state {
        case .consuming(let consume):
            switch consume.recipient {
            case .caller(let request), .nextPoll(let request):
                state = .handingOver(consume: consume, arrived)
                return .handOver(request, rebalance)
            case .none:
                buffered.append(.rebalance(rebalance))
                return .apply(apply(arrived))
            }
        case .fetching(let request):
            state = .handingOver(consume: nil, arrived)
            return .handOver(request, rebalance)
        case .idle, .handingOver:
            buffered.append(.rebalance(rebalance))
            return .apply(apply(arrived))
        case .closing:
            // Nobody will poll for it.
            return .apply(apply(arrived))
        }
    }

    /// The caller polled again after a hand-over (`next`), or no poll came (`nil`: the consumer
    /// is closing, or its thread stopping). Returns how to apply the rebalance handed over.
    mutating func handedOver(to next: FetchRequest?) -> AssignmentChange {
        switch state {
        case .handingOver(let consume, let rebalance):
            if var consume {
                consume.recipient = next.map { .nextPoll($0) } ?? .none
                state = .consuming(consume)
            } else {
                state = next.map { .fetching($0) } ?? .idle
            }
            return apply(rebalance)
        case .idle, .fetching, .consuming, .closing:
            preconditionFailure("a hand-over ended while none was under way (\(state))")
        }
    }

    /// Counts a rebalance as applied: updates the assignment and drops what a revoke made stale.
    private mutating func apply(_ arrived: Rebalance) -> AssignmentChange {
        let rebalance = arrived.rebalance
        let changed = Set(rebalance.partitions)
        if rebalance.kind == .assign {
            assigned.formUnion(changed)
            return rebalance.isCooperative ? .incrementalAssign : .assign
        }
        let change: AssignmentChange
        if rebalance.isCooperative && !arrived.isError {
            assigned.subtract(changed)
            change = .incrementalUnassign
        } else {
            assigned.removeAll()
            change = .unassignAll
        }
        switch state {
        case .consuming(var consume):
            consume.revoked = true
            state = .consuming(consume)
        case .handingOver(.some(var consume), let handedOver):
            consume.revoked = true
            state = .handingOver(consume: consume, handedOver)
        case .idle, .fetching, .handingOver(consume: .none, _), .closing:
            // No consume call under way: librdkafka drops the partitions' queued records itself.
            break
        }
        let assigned = self.assigned
        keepBuffered { assigned.contains($0) }
        return change
    }

    /// Applying a rebalance failed: the next poll reports it.
    mutating func applyFailed(_ error: KafkaError) {
        buffered.append(.error(error))
    }

    // MARK: - Assignment and positions

    /// A manual assignment replaced the old one and its positions: records and partition ends
    /// buffered for it are stale (an old end would end the next read before it read anything).
    mutating func assignmentReplaced(by partitions: [TopicPartition]) {
        assigned = Set(partitions)
        keepBuffered { _ in false }
    }

    /// These partitions' positions moved (a seek): their buffered records and ends are stale.
    mutating func positionsMoved(_ partitions: Set<TopicPartition>) {
        keepBuffered { !partitions.contains($0) }
        // A seek served while a rebalance is handed over (the relay rewinding after an abort,
        // with its poll ahead answered by the rebalance): the consume call under way took its
        // records before the seek, and the caller's next poll must not get them.
        switch state {
        case .handingOver(.some(var consume), let rebalance):
            consume.moved.formUnion(partitions)
            state = .handingOver(consume: consume, rebalance)
        case .consuming(var consume):
            consume.moved.formUnion(partitions)
            state = .consuming(consume)
        case .idle, .fetching, .handingOver(.none, _), .closing:
            break
        }
    }

    // MARK: - Closing

    /// The consumer starts closing: a poll being served is answered empty.
    mutating func closeStarted() -> FetchAction {
        switch state {
        case .idle, .closing(.none):
            state = .closing(nil)
            return .none
        case .fetching(let request), .closing(.some(let request)):
            state = .closing(nil)
            return .complete(request, .messages([]))
        case .consuming, .handingOver:
            preconditionFailure("the close started inside librdkafka's consume call (\(state))")
        }
    }

    // MARK: - The buffer

    private mutating func takeBuffered() -> KafkaConsumerEvent? {
        buffered.isEmpty ? nil : buffered.removeFirst()
    }

    /// Keeps only the buffered records and ends of partitions `keep` accepts (other events stay).
    private mutating func keepBuffered(_ keep: (TopicPartition) -> Bool) {
        buffered = buffered.compactMap { event in
            switch event {
            case .messages(let messages):
                let kept = messages.filter { keep($0.topicPartition) }
                return kept.isEmpty ? nil : .messages(kept)
            case .endOfPartition(let end):
                return keep(end.topicPartition) ? event : nil
            case .rebalance, .error:
                return event
            }
        }
    }
}

extension ConsumerHandoffStateMachine.Consume.Recipient {
    /// The state after the consume call: the poll it serves goes on, or there is none left.
    fileprivate var nextState: ConsumerHandoffStateMachine.State {
        switch self {
        case .caller(let request), .nextPoll(let request): .fetching(request)
        case .none: .idle
        }
    }
}
