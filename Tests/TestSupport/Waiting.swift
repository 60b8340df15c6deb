/// Waits until `condition` holds, checking every `interval`, and fails after `timeout`
/// naming `what` was awaited. Tests wait on conditions with generous bounds, never on a
/// fixed sleep: the bound is there only so that a broken build ends.
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(90), interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline { throw TestFailure("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}
