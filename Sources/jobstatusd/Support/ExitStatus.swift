/// Exit statuses jobstatusd uses, so scripts and systemd can tell outcomes apart. The unit lists
/// the permanent ones in `RestartPreventExitStatus=`: restarting cannot fix them.
enum ExitStatus {
    /// Everything worked (`run`: drained after SIGTERM/SIGINT).
    static let success: Int32 = 0
    /// `run`: a runtime failure a restart may cure (a fatal Kafka error, a fenced producer, a
    /// restore that timed out, Kafka unreachable at start). Other commands: some input was
    /// invalid (e.g. `canonicalize` saw a bad line), or the job was not found (`get`).
    static let failure: Int32 = 1
    /// The command line or the configuration is wrong; nothing was done. Permanent.
    static let usage: Int32 = 2
    /// The topics are not as jobstatusd needs them (the output is not compacted, a topic is
    /// missing and may not be created). Permanent until an operator fixes the topics.
    static let topology: Int32 = 3
    /// A second SIGTERM/SIGINT ended the process without draining.
    static let interrupted: Int32 = 130

    /// Kept for the `canonicalize` contract's name.
    static let invalidInput = failure
}
