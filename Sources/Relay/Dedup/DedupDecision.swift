/// The outcome for one valid event.
public enum DedupDecision: Hashable, Sendable {
    /// Publish the event and remember it as the job's last state.
    case publish
    /// Do not publish the event, for this reason; the job's last state stays.
    case drop(DropReason)
}
