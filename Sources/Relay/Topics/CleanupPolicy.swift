/// A topic's `cleanup.policy` as the broker reports it (`compact`, `delete`, `compact,delete`).
public enum CleanupPolicy {
    /// Whether the policy keeps the latest record per key (compaction on, alone or with deletion).
    public static func isCompacted(_ policy: String) -> Bool {
        policy.split(separator: ",").contains { $0.trimmingSpaces == "compact" }
    }
}
