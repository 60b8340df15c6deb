/// What the relay learns about its topics before it starts.
struct TopicTopology: Sendable {
    /// Partition count of each input topic that exists.
    var inputPartitions: [String: Int32]
    var outputPartitions: Int32
    /// Partition count of the dead-letter topic, from metadata (restore reads them all).
    var deadLetterPartitions: Int32
    /// Input and output are aligned (one input topic with the output's partition count): restoring
    /// input partition p needs output partition p only, if producers key by job_id with murmur2.
    var isAligned: Bool

    /// The topics of the first stage of `input.keying: any`: the input, re-keyed into the
    /// repartition topic (its "output", with the output's partition count). Its restore reads
    /// the DLQ only.
    func repartitionStage(_ configuration: RelayConfiguration) -> TopicTopology {
        TopicTopology(
            inputPartitions: inputPartitions, outputPartitions: outputPartitions,
            deadLetterPartitions: deadLetterPartitions, isAligned: false)
    }

    /// The topics of the second stage: the repartition topic as its input, aligned with the
    /// output by construction.
    func relayStage(_ configuration: RelayConfiguration) -> TopicTopology {
        TopicTopology(
            inputPartitions: [configuration.repartitionTopic: outputPartitions], outputPartitions: outputPartitions,
            deadLetterPartitions: deadLetterPartitions, isAligned: true)
    }
}
