import Kafka

/// The producer's running count, read by the view.
final class ProducedCount: Sendable {
    private struct Progress {
        var count = 0
        var jobs = 0
        var finished = false
    }
    private let progress = Locked(Progress())
    var value: Int { progress.withLock { $0.count } }
    var jobsStarted: Int { progress.withLock { $0.jobs } }
    var isFinished: Bool { progress.withLock { $0.finished } }
    func set(_ value: Int, jobsStarted: Int) {
        progress.withLock {
            $0.count = value
            $0.jobs = jobsStarted
        }
    }
    func finish() { progress.withLock { $0.finished = true } }
}
