extension RelayConfiguration {
    /// The internal topic of `input.keying: any`: every input record, keyed by its job_id, with
    /// the output's partition count (`cleanup.policy=delete`).
    public var repartitionTopic: String { "\(group)-repartition" }

    /// The consumer group of the second stage, which reads ``repartitionTopic`` (the first stage
    /// keeps `input.group`, so the input's lag and committed offsets stay where operators look).
    public var repartitionGroup: String { "\(group)-repartition" }

    /// The first stage of `input.keying: any`: the input in `input.group`, re-keyed into
    /// ``repartitionTopic`` with transactions of its own (`<transactional id>-repartition`).
    var repartitionStage: RelayConfiguration {
        var stage = self
        stage.stage = .repartition
        stage.outputTopic = repartitionTopic
        stage.finishedRetention = nil
        stage.transactionalID = RelayClientSettings.transactionalID(self) + "-repartition"
        if let instanceID = RelayClientSettings.groupInstanceID(self) { stage.groupInstanceID = instanceID }
        return stage
    }

    /// The second stage of `input.keying: any`: the relay, reading ``repartitionTopic`` in
    /// ``repartitionGroup``, keyed by job_id by construction.
    var relayStage: RelayConfiguration {
        var stage = self
        stage.inputTopics = [repartitionTopic]
        stage.group = repartitionGroup
        stage.inputKeying = .jobID
        stage.stage = .relayOfRepartition
        // The derived ids keep naming the configured group, as before the split.
        stage.transactionalID = RelayClientSettings.transactionalID(self)
        if let instanceID = RelayClientSettings.groupInstanceID(self) { stage.groupInstanceID = instanceID }
        return stage
    }
}
