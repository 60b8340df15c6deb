import Testing

@testable import Kafka

/// The consumer's hand-off of polls, records and rebalances, without a broker: every transition
/// of ``ConsumerHandoffStateMachine``, driven as ``ConsumerEngine`` drives it, comparing whole
/// actions and the states they lead to.
@Suite("Consumer hand-off state machine")
struct ConsumerHandoffStateMachineTests {
    typealias Machine = ConsumerHandoffStateMachine

    static let p0 = TopicPartition("t", 0)
    static let p1 = TopicPartition("t", 1)

    static func poll(maxMessages: Int = 100) -> FetchRequest {
        FetchRequest(maxMessages: maxMessages, timeout: .seconds(10))
    }

    static func records(_ partition: TopicPartition, _ offsets: ClosedRange<Int64>) -> [KafkaMessage] {
        offsets.map {
            KafkaMessage(topicPartition: partition, offset: KafkaOffset(rawValue: $0), key: nil, value: [1])
        }
    }

    static func end(_ partition: TopicPartition, _ offset: Int64) -> KafkaConsumerEvent {
        .endOfPartition(TopicPartitionOffset(partition, KafkaOffset(rawValue: offset)))
    }

    static func rebalance(
        _ kind: KafkaRebalance.Kind, _ partitions: [TopicPartition], cooperative: Bool = false
    ) -> KafkaRebalance {
        KafkaRebalance(kind: kind, partitions: partitions, isCooperative: cooperative)
    }

    static let error = KafkaError.invalidArgument("broker trouble")

    /// A step with nothing reported.
    static func step(_ machine: inout Machine, isStopping: Bool = false) -> Machine.FetchAction {
        machine.nextStep(errors: [], fatal: nil, isStopping: isStopping)
    }

    /// A machine with `partitions` assigned by an eager rebalance that came with no poll waiting
    /// (it is buffered, then taken by a poll).
    static func assigned(_ partitions: [TopicPartition], cooperative: Bool = false) -> Machine {
        var machine = Machine()
        let assign = rebalance(.assign, partitions, cooperative: cooperative)
        _ = machine.rebalanceArrived(assign)
        let request = poll()
        machine.pollArrived(request)
        _ = step(&machine)
        return machine
    }

    /// Leaves `records` and `events` in the buffer, as a consume call does whose poll a rebalance
    /// answered with no next poll coming (the rebalance, an empty assign, is handed over).
    static func bufferRecords(_ machine: inout Machine, _ records: [KafkaMessage], events: [KafkaConsumerEvent]) {
        let request = poll()
        machine.pollArrived(request)
        _ = step(&machine)
        _ = machine.rebalanceArrived(rebalance(.assign, [], cooperative: true))
        _ = machine.handedOver(to: nil)
        _ = machine.consumed(records, events: events)
    }

    // MARK: - Polls

    @Test func aPollConsumesAndGetsTheRecords() {
        var machine = Machine()
        let request = Self.poll(maxMessages: 7)
        #expect(machine.state == .idle)
        #expect(!machine.isServingPoll)
        machine.pollArrived(request)
        #expect(machine.state == .fetching(request))
        #expect(machine.isServingPoll)
        #expect(Self.step(&machine) == .consume(maxMessages: 7))
        #expect(machine.state == .consuming(.init(recipient: .caller(request))))
        let records = Self.records(Self.p0, 0...2)
        #expect(machine.consumed(records, events: []) == .complete(request, .messages(records)))
        #expect(machine.state == .idle)
        #expect(!machine.isServingPoll)
    }

    /// Partition ends and errors come out of librdkafka among records: the records answer the
    /// poll, the ends and errors wait for the next, in order.
    @Test func endsAndErrorsWaitForTheNextPoll() {
        var machine = Machine()
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        let records = Self.records(Self.p0, 0...1)
        let events = [Self.end(Self.p0, 2), .error(Self.error)]
        #expect(machine.consumed(records, events: events) == .complete(first, .messages(records)))
        #expect(machine.buffered == events)
        let second = Self.poll()
        machine.pollArrived(second)
        #expect(Self.step(&machine) == .complete(second, Self.end(Self.p0, 2)))
        #expect(machine.state == .idle)
        let third = Self.poll()
        machine.pollArrived(third)
        #expect(Self.step(&machine) == .complete(third, .error(Self.error)))
        #expect(machine.buffered.isEmpty)
    }

    /// A consume call that brings only an end goes on serving the same poll, which the end answers.
    @Test func aCallWithOnlyAnEndGoesOnServingThePoll() {
        var machine = Machine()
        let request = Self.poll()
        machine.pollArrived(request)
        _ = Self.step(&machine)
        #expect(machine.consumed([], events: [Self.end(Self.p0, 0)]) == .none)
        #expect(machine.state == .fetching(request))
        #expect(Self.step(&machine) == .complete(request, Self.end(Self.p0, 0)))
    }

    @Test func nothingToReadWaitsThenTimesOutEmpty() {
        var machine = Machine()
        let request = Self.poll()
        machine.pollArrived(request)
        _ = Self.step(&machine)
        #expect(machine.consumedNothing() == .waitForRecords(request))
        #expect(machine.state == .fetching(request))
        #expect(Self.step(&machine) == .consume(maxMessages: 100), "woken: consume again")
        #expect(machine.consumedNothing() == .waitForRecords(request))
        #expect(machine.pollTimedOut() == .complete(request, .messages([])))
        #expect(machine.state == .idle)
    }

    @Test func aFailedConsumeAnswersThePollWithTheError() {
        var machine = Machine()
        let request = Self.poll()
        machine.pollArrived(request)
        _ = Self.step(&machine)
        #expect(machine.consumeFailed(Self.error) == .complete(request, .error(Self.error)))
        #expect(machine.state == .idle)
    }

    @Test func aCancelledPollOrAStoppingThreadIsAnsweredEmpty() {
        var machine = Machine()
        let cancelled = Self.poll()
        cancelled.cancel()
        machine.pollArrived(cancelled)
        #expect(Self.step(&machine) == .complete(cancelled, .messages([])))
        #expect(machine.state == .idle)
        let request = Self.poll()
        machine.pollArrived(request)
        #expect(Self.step(&machine, isStopping: true) == .complete(request, .messages([])))
        #expect(machine.state == .idle)
    }

    /// Client errors join the buffer behind what is there; a fatal error answers every poll and
    /// leaves the buffer as it is.
    @Test func reportedErrorsQueueAndAFatalOneAnswersFirst() {
        var machine = Machine()
        let fatal = KafkaError.invalidArgument("fatal")
        let first = Self.poll()
        machine.pollArrived(first)
        #expect(
            machine.nextStep(errors: [Self.error], fatal: fatal, isStopping: false) == .complete(first, .error(fatal)))
        #expect(machine.buffered == [.error(Self.error)])
        let second = Self.poll()
        machine.pollArrived(second)
        #expect(Self.step(&machine) == .complete(second, .error(Self.error)))
    }

    // MARK: - The hand-off

    /// The heart of it: a rebalance during a consume call answers that poll before librdkafka
    /// applies it; the change is applied once the caller polls again, and that poll gets the
    /// call's records.
    @Test func aRebalanceGoesToThePollThenWaitsForTheNextPoll() {
        var machine = Machine()
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        let assign = Self.rebalance(.assign, [Self.p0])
        #expect(machine.rebalanceArrived(assign) == .handOver(first, assign))
        #expect(machine.state == .handingOver(consume: .init(recipient: .caller(first)), .init(rebalance: assign)))
        #expect(machine.assigned.isEmpty, "not applied before the caller polls again")
        let second = Self.poll()
        #expect(machine.handedOver(to: second) == .assign)
        #expect(machine.assigned == [Self.p0])
        #expect(machine.state == .consuming(.init(recipient: .nextPoll(second))))
        let records = Self.records(Self.p0, 0...0)
        #expect(machine.consumed(records, events: []) == .complete(second, .messages(records)))
        #expect(machine.state == .idle)
    }

    /// A consume call that found nothing after a hand-over serves the next poll afresh, without
    /// waiting on the old poll's behalf.
    @Test func nothingAfterAHandOverServesTheNextPollAfresh() {
        var machine = Machine()
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        _ = machine.rebalanceArrived(Self.rebalance(.assign, [Self.p0], cooperative: true))
        let second = Self.poll(maxMessages: 3)
        #expect(machine.handedOver(to: second) == .incrementalAssign)
        #expect(machine.consumedNothing() == .none)
        #expect(machine.state == .fetching(second))
        #expect(Self.step(&machine) == .consume(maxMessages: 3))
    }

    /// An eager rebalance is a revoke then an assign, both possibly inside one consume call: each
    /// goes to its own poll.
    @Test func twoRebalancesInOneCallGoToTwoPolls() {
        var machine = Self.assigned([Self.p0])
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        let revoke = Self.rebalance(.revoke, [Self.p0])
        #expect(machine.rebalanceArrived(revoke) == .handOver(first, revoke))
        let second = Self.poll()
        #expect(machine.handedOver(to: second) == .unassignAll)
        #expect(machine.assigned.isEmpty)
        let assign = Self.rebalance(.assign, [Self.p0, Self.p1])
        #expect(machine.rebalanceArrived(assign) == .handOver(second, assign))
        let third = Self.poll()
        #expect(machine.handedOver(to: third) == .assign)
        #expect(machine.assigned == [Self.p0, Self.p1])
        #expect(machine.state == .consuming(.init(recipient: .nextPoll(third), revoked: true)))
        #expect(machine.consumedNothing() == .none)
        #expect(machine.state == .fetching(third))
    }

    /// When no poll follows a hand-over (the consumer is closing), the call's records and any
    /// later rebalance wait in the buffer.
    @Test func withNoNextPollRecordsAndRebalancesAreBuffered() {
        var machine = Machine()
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        let assign = Self.rebalance(.assign, [Self.p0])
        #expect(machine.rebalanceArrived(assign) == .handOver(first, assign))
        #expect(machine.handedOver(to: nil) == .assign)
        #expect(machine.state == .consuming(.init(recipient: .none)))
        let revoke = Self.rebalance(.revoke, [Self.p0], cooperative: true)
        #expect(machine.rebalanceArrived(revoke) == .apply(.incrementalUnassign))
        #expect(machine.buffered == [.rebalance(revoke)])
        let assignAgain = Self.rebalance(.assign, [Self.p0], cooperative: true)
        #expect(machine.rebalanceArrived(assignAgain) == .apply(.incrementalAssign))
        let records = Self.records(Self.p0, 0...1)
        #expect(machine.consumed(records, events: []) == .none)
        #expect(machine.buffered == [.rebalance(revoke), .rebalance(assignAgain), .messages(records)])
        #expect(machine.state == .idle)
    }

    @Test func nothingOrAFailureWithNoNextPollEndsTheLoop() {
        for fails in [false, true] {
            var machine = Machine()
            let first = Self.poll()
            machine.pollArrived(first)
            _ = Self.step(&machine)
            _ = machine.rebalanceArrived(Self.rebalance(.assign, [Self.p0]))
            _ = machine.handedOver(to: nil)
            #expect((fails ? machine.consumeFailed(Self.error) : machine.consumedNothing()) == .none)
            #expect(machine.state == .idle)
            #expect(machine.buffered.isEmpty, "a failure with no poll to take it is not kept")
        }
    }

    /// A failed consume call after a hand-over answers the caller's next poll.
    @Test func aFailedCallAfterAHandOverAnswersTheNextPoll() {
        var machine = Machine()
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        _ = machine.rebalanceArrived(Self.rebalance(.assign, [Self.p0]))
        let second = Self.poll()
        _ = machine.handedOver(to: second)
        #expect(machine.consumeFailed(Self.error) == .complete(second, .error(Self.error)))
    }

    /// librdkafka calls back only from inside a consume call or the close; a rebalance while a
    /// poll is served outside one is still handed over, and its next poll served.
    @Test func aRebalanceBetweenConsumeCallsIsHandedOverToo() {
        var machine = Machine()
        let first = Self.poll()
        machine.pollArrived(first)
        let assign = Self.rebalance(.assign, [Self.p0])
        #expect(machine.rebalanceArrived(assign) == .handOver(first, assign))
        #expect(machine.state == .handingOver(consume: nil, .init(rebalance: assign)))
        let second = Self.poll()
        #expect(machine.handedOver(to: second) == .assign)
        #expect(machine.state == .fetching(second))

        _ = Self.step(&machine)
        #expect(machine.consumeFailed(Self.error) == .complete(second, .error(Self.error)))
        let third = Self.poll()
        machine.pollArrived(third)
        #expect(
            machine.rebalanceArrived(Self.rebalance(.revoke, [Self.p0]))
                == .handOver(third, Self.rebalance(.revoke, [Self.p0])))
        #expect(machine.handedOver(to: nil) == .unassignAll)
        #expect(machine.state == .idle)
    }

    /// A rebalance with no poll waiting is buffered (and applied at once): the next poll gets it.
    @Test func aRebalanceWithNoPollWaitingIsBuffered() {
        var machine = Machine()
        let assign = Self.rebalance(.assign, [Self.p0])
        #expect(machine.rebalanceArrived(assign) == .apply(.assign))
        #expect(machine.assigned == [Self.p0])
        #expect(machine.state == .idle)
        let request = Self.poll()
        machine.pollArrived(request)
        #expect(Self.step(&machine) == .complete(request, .rebalance(assign)))
    }

    /// A rebalance inside the hand-over (no poll waits then) is buffered and applied; the one
    /// handed over is applied after it, when the caller polls again.
    @Test func aRebalanceDuringAHandOverIsBuffered() {
        var machine = Self.assigned([Self.p0, Self.p1], cooperative: true)
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        let revoke = Self.rebalance(.revoke, [Self.p1], cooperative: true)
        #expect(machine.rebalanceArrived(revoke) == .handOver(first, revoke))
        let lost = Self.rebalance(.lost, [Self.p0], cooperative: true)
        #expect(machine.rebalanceArrived(lost) == .apply(.incrementalUnassign))
        #expect(machine.buffered == [.rebalance(lost)])
        #expect(machine.assigned == [Self.p1])
        #expect(
            machine.state
                == .handingOver(consume: .init(recipient: .caller(first), revoked: true), .init(rebalance: revoke)))
        let second = Self.poll()
        #expect(machine.handedOver(to: second) == .incrementalUnassign)
        #expect(machine.assigned.isEmpty)
    }

    // MARK: - Revokes

    /// Records of a partition revoked during the consume call that took them are dropped;
    /// records of partitions still assigned reach the next poll.
    @Test func recordsOfPartitionsRevokedDuringTheCallAreDropped() {
        var machine = Self.assigned([Self.p0, Self.p1], cooperative: true)
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        let revoke = Self.rebalance(.revoke, [Self.p1], cooperative: true)
        #expect(machine.rebalanceArrived(revoke) == .handOver(first, revoke))
        let second = Self.poll()
        #expect(machine.handedOver(to: second) == .incrementalUnassign)
        #expect(machine.assigned == [Self.p0])
        let kept = Self.records(Self.p0, 0...1)
        let records = kept + Self.records(Self.p1, 0...1)
        #expect(machine.consumed(records, events: []) == .complete(second, .messages(kept)))
    }

    /// Without a revoke during the call, records are not checked against the assignment.
    @Test func withoutARevokeRecordsAreNotFiltered() {
        var machine = Machine()
        let request = Self.poll()
        machine.pollArrived(request)
        _ = Self.step(&machine)
        let records = Self.records(Self.p1, 0...1)
        #expect(machine.consumed(records, events: []) == .complete(request, .messages(records)))
    }

    /// An eager revoke drops the whole assignment: every record of the call is stale, and the
    /// next poll is served afresh.
    @Test func anEagerRevokeDropsEveryRecordOfTheCall() {
        var machine = Self.assigned([Self.p0, Self.p1])
        let first = Self.poll()
        machine.pollArrived(first)
        _ = Self.step(&machine)
        let revoke = Self.rebalance(.revoke, [Self.p0, Self.p1])
        _ = machine.rebalanceArrived(revoke)
        let second = Self.poll()
        #expect(machine.handedOver(to: second) == .unassignAll)
        #expect(machine.consumed(Self.records(Self.p0, 0...3), events: [Self.end(Self.p1, 9)]) == .none)
        #expect(machine.state == .fetching(second))
        #expect(machine.buffered == [Self.end(Self.p1, 9)], "ends of the call are not filtered")
    }

    /// A revoke drops buffered records and ends of the partitions it takes; other events stay.
    @Test func aRevokeDropsBufferedRecordsAndEndsOfItsPartitions() {
        var machine = Self.assigned([Self.p0, Self.p1], cooperative: true)
        Self.bufferRecords(
            &machine, Self.records(Self.p0, 0...1) + Self.records(Self.p1, 0...1),
            events: [Self.end(Self.p0, 2), Self.end(Self.p1, 2), .error(Self.error)])
        let revoke = Self.rebalance(.revoke, [Self.p1], cooperative: true)
        #expect(machine.rebalanceArrived(revoke) == .apply(.incrementalUnassign))
        #expect(
            machine.buffered == [
                Self.end(Self.p0, 2), .error(Self.error), .messages(Self.records(Self.p0, 0...1)), .rebalance(revoke),
            ])
    }

    /// A loss is a revoke by the group's word (incremental when cooperative); a rebalance error
    /// drops the whole assignment whatever the protocol.
    @Test func lossesAndRebalanceErrors() {
        var machine = Self.assigned([Self.p0, Self.p1], cooperative: true)
        #expect(
            machine.rebalanceArrived(Self.rebalance(.lost, [Self.p0], cooperative: true))
                == .apply(.incrementalUnassign))
        #expect(machine.assigned == [Self.p1])
        let error = Self.rebalance(.lost, [Self.p1], cooperative: true)
        #expect(machine.rebalanceArrived(error, isError: true) == .apply(.unassignAll))
        #expect(machine.assigned.isEmpty)
        var eager = Self.assigned([Self.p0, Self.p1])
        #expect(eager.rebalanceArrived(Self.rebalance(.lost, [Self.p0, Self.p1])) == .apply(.unassignAll))
        #expect(eager.assigned.isEmpty)
    }

    /// A failed assign or unassign reaches the caller on its next poll.
    @Test func aFailedChangeIsReportedToTheNextPoll() {
        var machine = Machine()
        _ = machine.rebalanceArrived(Self.rebalance(.assign, [Self.p0]))
        machine.applyFailed(Self.error)
        #expect(machine.buffered == [.rebalance(Self.rebalance(.assign, [Self.p0])), .error(Self.error)])
    }

    // MARK: - Assignment and positions

    /// A new manual assignment makes every buffered record and end stale (issue 10 review: an
    /// old end must not end the next read); rebalances and errors stay.
    @Test func aManualAssignmentDropsBufferedRecordsAndEnds() {
        var machine = Machine()
        Self.bufferRecords(&machine, Self.records(Self.p0, 0...1), events: [Self.end(Self.p0, 2), .error(Self.error)])
        let assign = Self.rebalance(.assign, [Self.p1])
        _ = machine.rebalanceArrived(assign)
        machine.assignmentReplaced(by: [Self.p0])
        #expect(machine.assigned == [Self.p0])
        #expect(machine.buffered == [.error(Self.error), .rebalance(assign)])
    }

    /// A seek makes buffered records and ends of the partitions it moves stale, and only those.
    @Test func aSeekDropsBufferedRecordsAndEndsOfItsPartitions() {
        var machine = Machine()
        let kept = Self.records(Self.p1, 0...0)
        Self.bufferRecords(
            &machine, Self.records(Self.p0, 0...1) + kept, events: [Self.end(Self.p0, 5), Self.end(Self.p1, 5)])
        machine.positionsMoved([Self.p0])
        #expect(machine.buffered == [Self.end(Self.p1, 5), .messages(kept)])
        #expect(machine.assigned.isEmpty, "a seek does not change the assignment")
    }

    // MARK: - Closing

    /// Closing: rebalances are applied without being handed out or buffered, and a poll is
    /// answered at once, from the buffer first.
    @Test func aClosingConsumerAnswersPollsAtOnce() {
        var machine = Machine()
        _ = machine.rebalanceArrived(Self.rebalance(.assign, [Self.p0]))
        #expect(machine.closeStarted() == .none)
        #expect(machine.state == .closing(nil))
        #expect(machine.rebalanceArrived(Self.rebalance(.revoke, [Self.p0])) == .apply(.unassignAll))
        #expect(machine.buffered == [.rebalance(Self.rebalance(.assign, [Self.p0]))])
        let first = Self.poll()
        machine.pollArrived(first)
        #expect(machine.state == .closing(first))
        #expect(machine.isServingPoll)
        #expect(Self.step(&machine) == .complete(first, .rebalance(Self.rebalance(.assign, [Self.p0]))))
        #expect(machine.state == .closing(nil))
        #expect(!machine.isServingPoll)
        #expect(Self.step(&machine) == .none)
        let second = Self.poll()
        machine.pollArrived(second)
        #expect(Self.step(&machine) == .complete(second, .messages([])))
        let third = Self.poll()
        machine.pollArrived(third)
        let fatal = KafkaError.invalidArgument("fatal")
        #expect(machine.nextStep(errors: [], fatal: fatal, isStopping: false) == .complete(third, .error(fatal)))
        #expect(machine.closeStarted() == .none, "closing twice")
    }

    /// A poll still served when the close starts is answered empty.
    @Test func theCloseAnswersAPollBeingServed() {
        var machine = Machine()
        let request = Self.poll()
        machine.pollArrived(request)
        #expect(machine.closeStarted() == .complete(request, .messages([])))
        #expect(machine.state == .closing(nil))
        let next = Self.poll()
        machine.pollArrived(next)
        #expect(machine.closeStarted() == .complete(next, .messages([])))
    }

    /// An idle machine has nothing to step; reported errors still join the buffer.
    @Test func anIdleStepOnlyKeepsErrors() {
        var machine = Machine()
        #expect(machine.nextStep(errors: [Self.error], fatal: nil, isStopping: false) == .none)
        #expect(machine.state == .idle)
        #expect(machine.buffered == [.error(Self.error)])
    }

    /// The relay's rewind after an abort (a seek) can run while a rebalance is handed over, with
    /// its poll ahead answered by the rebalance: the records the consume call under way took of
    /// the sought partition lie before the seek, and do not reach the caller's next poll (they
    /// would be judged twice, out of order, and their offsets committed past the rewind).
    @Test func aSeekDuringAHandOverDropsTheCallsRecordsOfThatPartition() {
        let p2 = TopicPartition("t", 2)
        var machine = Self.assigned([Self.p0, Self.p1], cooperative: true)
        let ahead = Self.poll()
        machine.pollArrived(ahead)
        #expect(Self.step(&machine) == .consume(maxMessages: 100))
        let assign = Self.rebalance(.assign, [p2], cooperative: true)
        #expect(machine.rebalanceArrived(assign) == .handOver(ahead, assign))
        machine.positionsMoved([Self.p0])  // consumer.seek, served during the hand-over
        let next = Self.poll()
        #expect(machine.handedOver(to: next) == .incrementalAssign)
        let stale = Self.records(Self.p0, 10...11)
        let kept = Self.records(Self.p1, 3...3)
        #expect(machine.consumed(stale + kept, events: []) == .complete(next, .messages(kept)))
    }
}
