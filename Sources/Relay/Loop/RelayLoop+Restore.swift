import JobStatus
import Kafka

extension RelayLoop {
    // MARK: - Rebalances

    /// Applies a rebalance before librdkafka does: an open transaction commits first (or is
    /// abandoned when the partitions were lost), then newly assigned partitions are restored
    /// before their first record is read. Returns `true` if the relay closed meanwhile.
    func handle(_ rebalance: KafkaRebalance) async throws(RelayError) -> Bool {
        logger.info("rebalance", metadata: ["rebalance": "\(rebalance)"])
        switch rebalance.kind {
        case .assign:
            if try await perform(machine.rebalanceReceived(.assign, now: .now)) { return true }
            ownership.assign(rebalance)
            // Counted before the restore: its end makes the status ready, and READY=1's STATUS=
            // (sampled at any moment) must name the partitions it is ready for.
            status.update { [count = ownership.assigned.count] in $0.assignedPartitions = count }
            guard try await restore(forInput: rebalance.partitions.sorted()) else {
                // Stopped mid-restore: nothing of the new partitions was read; drain and leave.
                return try await drain()
            }
        default:
            let staying = ownership.assigned.subtracting(ownership.leaving(rebalance))
            if try await perform(machine.rebalanceReceived(rebalance.kind, now: .now), rewindKeeping: staying) {
                return true
            }
            let leaving = ownership.revoke(rebalance)
            status.update { snapshot in
                for partition in leaving { snapshot.committedOffsets[partition] = nil }
            }
        }
        let standsBy = ownership.standsBy(after: rebalance, now: .now)
        let assigned = ownership.assigned
        status.update { snapshot in
            snapshot.assignedPartitions = assigned.count
            snapshot.consumerLag = snapshot.consumerLag.filter { assigned.contains($0.key) }
            if standsBy {
                snapshot.phase = .standingBy
            } else if snapshot.phase == .standingBy, !assigned.isEmpty {
                snapshot.phase = .running
            }
        }
        if standsBy { noteStandingBy() }
        return false
    }

    /// The instance has no input partition to run: it stands by, ready.
    func standBy() {
        status.update { $0.phase = .standingBy }
        noteStandingBy()
    }

    private func noteStandingBy() {
        logger.notice(
            """
            standing by: the group assigned this instance no input partition; ready, and it takes \
            partitions when the group gives it some
            """,
            metadata: ["group": "\(configuration.group)"])
    }

    // MARK: - Restore

    /// Catches the table up with the output partitions that jobs of `partitions` can land in
    /// (the same-numbered one when input and output are aligned, otherwise all), and the
    /// handled-record set with the DLQ, every time partitions are assigned: another instance
    /// may have written them since this one last read them.
    /// - Returns: `false` when the relay was asked to stop (or cancelled) before the restore
    ///   finished: the caller must not process the partitions, and drains instead.
    func restore(forInput partitions: [TopicPartition]) async throws(RelayError) -> Bool {
        guard !partitions.isEmpty else { return true }
        let started = ContinuousClock.now
        // The repartition stage keeps no table: only its dead letters must not be written twice.
        let outputs =
            configuration.stage == .repartition
            ? []
            : (topology.isAligned ? partitions.map(\.partition) : KafkaPartition.all(count: topology.outputPartitions))
                .map { TopicPartition(configuration.outputTopic, $0) }
        let deadLetters = KafkaPartition.all(count: topology.deadLetterPartitions).map {
            TopicPartition(configuration.deadLetterTopic, $0)
        }
        status.update { snapshot in
            snapshot.phase = .restoring
            snapshot.partitionsToRestore = outputs.count
            snapshot.restoredPartitions = 0
        }
        guard
            let fromStart = try await adjustHandledFloors(
                for: partitions, deadline: started + configuration.restoreTimeout)
        else { return false }
        if fromStart {
            logger.notice(
                "the group's committed offsets are behind this instance's commits; reading the output from its start",
                metadata: ["partitions": "\(partitions)"])
            restorer.forget(outputs + deadLetters)
        }
        let records: Int
        do {
            records = try await read(
                outputs + deadLetters, deadline: started + configuration.restoreTimeout,
                isStopped: { relay.isStopRequested || Task.isCancelled })
        } catch .stopped {
            logger.notice("restore interrupted: the relay is stopping", metadata: ["partitions": "\(partitions)"])
            return false
        } catch {
            throw stop(.restore(error))
        }
        let duration = ContinuousClock.now - started
        metrics.restoreDuration.recordNanoseconds(duration.wholeNanoseconds)
        status.update { snapshot in
            snapshot.phase = .running
            snapshot.trackedJobs = table.count
            snapshot.lastRestoreDuration = duration
            snapshot.restoredPartitions = outputs.count
            snapshot.restoredRecords += records
        }
        logger.notice(
            "restored",
            metadata: [
                "input partitions": "\(partitions.map(\.description))",
                "output partitions": "\(outputs.map(\.partition))",
                "records": "\(records)", "jobs": "\(table.count)", "handled records kept": "\(handled.count)",
                "took": "\(duration)",
            ])
        return true
    }

    /// Sets the handled-record floors from the group's committed offsets; returns whether
    /// the output must be read again from its start (committed offsets of a partition being
    /// assigned went backwards). Floors of the other input partitions only rise, which forgets
    /// coordinates other instances' commits made useless. `nil`: the relay was asked to stop.
    private func adjustHandledFloors(
        for partitions: [TopicPartition], deadline: ContinuousClock.Instant
    ) async throws(RelayError) -> Bool? {
        let assigning = Set(partitions)
        let everyPartition = topology.inputPartitions.flatMap { topic, count in
            KafkaPartition.all(count: count).map { TopicPartition(topic, $0) }
        }
        let asked = Array(assigning.union(everyPartition)).sorted()
        var committed: [TopicPartitionOffset] = []
        while true {
            if relay.isStopRequested || Task.isCancelled { return nil }
            do {
                committed = try await consumer.committed(asked, timeout: configuration.operationTimeout)
                break
            } catch {
                guard error.isRetriable, ContinuousClock.now < deadline else {
                    throw fatal(error, "fetch the group's committed offsets")
                }
                logger.warning("fetching committed offsets failed; retrying", metadata: ["error": "\(error)"])
            }
        }
        for offset in committed { ownership.noteGroupOffset(offset) }
        return handled.adopt(groupOffsets: committed, assigning: assigning)
    }

    /// In aligned mode, a job whose output partition is not kept current here (its input
    /// record was not keyed by job_id with murmur2) gets that partition read before the
    /// record is judged; it stays current until the next rebalance.
    func ensureCurrent(jobID: String) async throws(RecordFailure) {
        guard let partition = ownership.outputPartitionToRead(for: jobID) else { return }
        logger.info(
            "restoring an extra output partition for a record keyed unlike its job_id",
            metadata: ["partition": "\(partition)"])
        do {
            _ = try await read(
                [TopicPartition(configuration.outputTopic, partition)],
                deadline: .now + configuration.restoreTimeout,
                isStopped: { relay.isStopRequested || Task.isCancelled })
        } catch .stopped {
            throw .stopped
        } catch {
            throw .restore(error)
        }
        ownership.keepCurrent(outputPartition: partition)
    }

    /// Reads output and DLQ partitions to their end into the table and the handled records.
    private func read(
        _ partitions: [TopicPartition], deadline: ContinuousClock.Instant,
        isStopped: () -> Bool = { Task.isCancelled }
    ) async throws(ReadToEndFailure) -> Int {
        // Between restores the reader would go on fetching the output this relay writes.
        defer { stopRestoreReader() }
        return try await restorer.readToEnd(
            partitions, limit: .deadline(deadline), progress: { [status] in status.heartbeat() }, isStopped: isStopped
        ) { message in
            // Only this stage's input coordinates prove anything here: with input.keying any, the
            // relay stage's DLQ also holds the first stage's dead letters, and the output may
            // hold records of the input from before the switch (kept, they would never be freed).
            let source = RestoredSource(of: message, inputTopics: configuration.inputTopics)
            if let source { handled.record(source.partition, source.offset) }
            if configuration.stage == .relayOfRepartition, let source,
                let origin = RepartitionRecord.origin(of: message)
            {
                if message.topic == configuration.outputTopic {
                    origins.restoredOutput(source.partition, origin: origin)
                } else {
                    origins.restoredDeadLetter(origin)
                }
            }
            guard message.topic == configuration.outputTopic else { return }
            // The key and the value are read where they are; the value becomes an array only
            // when the /jobs view keeps it.
            let taken = table.restoredKey(
                message, ordering: configuration.ordering, source: source?.position,
                timestamp: message.timestampMilliseconds ?? clock.milliseconds(),
                remembersTombstone: message.valueCount == nil && remembersTombstone(message))
            // The /jobs view shows what the table holds: not a record older than its news.
            if let taken { status.keepRestored(taken) { message.value } }
        }
    }

    private func stopRestoreReader() {
        do {
            try restorer.stopFetching()
        } catch {
            logger.debug("the restore reader did not stop fetching", metadata: ["error": "\(error)"])
        }
    }

    /// Whether a restored tombstone is one of this daemon's retention tombstones within the
    /// horizon: then the job it forgot stays finished. An operator's tombstone, or one older than
    /// the horizon, only removes the job.
    private func remembersTombstone(_ message: KafkaMessage) -> Bool {
        guard let sweep, message.header(Self.retentionHeader) != nil else { return false }
        return (message.timestampMilliseconds ?? Int64.max) >= sweep.horizonCutoff(now: clock.milliseconds())
    }
}
