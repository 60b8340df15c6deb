/// Exit statuses jobstatusd uses, so scripts and systemd can tell outcomes apart.
enum ExitStatus {
    /// Everything worked.
    static let success: Int32 = 0
    /// The command ran, but some input was invalid (e.g. `canonicalize` saw a bad line).
    static let invalidInput: Int32 = 1
    /// The command line or the configuration is wrong; nothing was done.
    static let usage: Int32 = 2
}
