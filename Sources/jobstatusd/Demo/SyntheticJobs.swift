import Foundation

/// Realistic job lifecycles with the noise real producers make: retried sends
/// (the same event re-serialized), late events (neighbours swapped), heartbeats
/// after a terminal status, and now and then an invalid record.
struct SyntheticJobs {
    struct Event {
        var jobID: String
        var value: [UInt8]
    }

    private var rng = SystemRandomNumberGenerator()
    private var pending: [[Event]] = []
    private var nextJob = 0
    /// Jobs started so far.
    var started: Int { nextJob }
    let jobCount: Int
    /// Whether a new round of `jobCount` jobs starts when one ends (for a demo of set duration).
    let repeats: Bool
    private let backends = ["ibm_brisbane", "ibm_kyoto", "ibm_osaka", "ibm_sherbrooke"]

    init(jobs: Int, repeats: Bool = false) {
        jobCount = jobs
        self.repeats = repeats
    }

    /// The next event of some running job; nil when every job has finished (never when repeating).
    mutating func next() -> Event? {
        while pending.count < 32 && (repeats || nextJob < jobCount) {
            pending.append(lifecycle(jobID: String(format: "job-%05d-%04x", nextJob, rng.next() % 0x10000)))
            nextJob += 1
        }
        guard !pending.isEmpty else { return nil }
        let index = Int(rng.next() % UInt64(pending.count))
        let event = pending[index].removeFirst()
        if pending[index].isEmpty { pending.remove(at: index) }
        return event
    }

    private mutating func lifecycle(jobID: String) -> [Event] {
        let backend = backends[Int(rng.next() % UInt64(backends.count))]
        let terminal = ["DONE", "DONE", "DONE", "ERROR", "CANCELLED"][Int(rng.next() % 5)]
        var steps: [(String, String, String)] = [
            ("INITIALIZING", "job is being initialized", ""),
            ("QUEUED", "job is queued", ", \"queue_position\": \(rng.next() % 40)"),
            ("VALIDATING", "job is being validated", ""),
            ("RUNNING", "job is actively running", ", \"progress\": 0.3"),
            ("RUNNING", "job is actively running", ", \"progress\": 0.8"),
            (terminal, terminal == "DONE" ? "job has successfully run" : "job ended: \(terminal.lowercased())", ""),
        ]
        if rng.next() % 3 == 0 { steps.removeFirst() }
        var events: [Event] = []
        for (index, step) in steps.enumerated() {
            events.append(render(jobID, backend, step, variant: index))
            if rng.next() % 4 == 0 { events.append(render(jobID, backend, step, variant: index + 1)) }  // retried send
        }
        if rng.next() % 3 == 0, events.count > 2 {  // a late event
            let at = 1 + Int(rng.next() % UInt64(events.count - 2))
            events.swapAt(at, at - 1)
        }
        if rng.next() % 5 == 0 {  // a heartbeat after the end
            events.append(render(jobID, backend, ("RUNNING", "late heartbeat", ""), variant: 0))
        }
        if rng.next() % 40 == 0 {
            let broken = [
                "{\"job_id\": \"\(jobID)\", \"status\": \"RUNNING\"}", "{not json",
                "{\"job_id\": \"\(jobID)\", \"status\": \"PAUSED\", \"status_msg\": \"?\"}",
            ]
            events.insert(
                Event(jobID: jobID, value: Array(broken[Int(rng.next() % 3)].utf8)),
                at: Int(rng.next() % UInt64(events.count)))
        }
        return events
    }

    private func render(_ jobID: String, _ backend: String, _ step: (String, String, String), variant: Int) -> Event {
        let status = variant % 2 == 0 ? step.0 : step.0.lowercased()
        let text =
            variant % 2 == 0
            ? "{\"job_id\": \"\(jobID)\", \"status\": \"\(status)\", \"status_msg\": \"\(step.1)\", \"backend\": \"\(backend)\"\(step.2)}"
            : "{\"backend\":\"\(backend)\"\(step.2),\"status_msg\":\"\(step.1)\",\"status\":\" \(status) \",\"job_id\":\"\(jobID)\"}"
        return Event(jobID: jobID, value: Array(text.utf8))
    }
}
