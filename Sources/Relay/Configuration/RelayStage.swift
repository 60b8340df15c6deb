/// Which part of the pipeline a ``RelayLoop`` runs.
enum RelayStage: Sendable {
    /// Decode, deduplicate, publish to the output: the whole relay for keyed input, the second
    /// stage for unkeyed input.
    case relay
    /// Re-key each input record by job_id into the repartition topic; dead-letter what does
    /// not decode. No table, no output.
    case repartition
    /// The relay, reading the repartition topic: what it publishes carries the input record's
    /// coordinates (`jobstatusd.origin.*`) as well as the repartition record's.
    case relayOfRepartition
}
