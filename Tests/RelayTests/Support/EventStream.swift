import JobStatus
import TestSupport

/// A generated input stream: realistic job lifecycles with the noise producers
/// make (exact duplicates re-serialized differently, reordered regressions,
/// events after terminal states, extras) and some invalid records, plus the
/// output an independent model expects.
struct EventStream {
    struct Event {
        var jobID: String
        /// Raw bytes as a producer would send them.
        var value: [UInt8]?
        /// Whether the relay should dead-letter it.
        var isInvalid: Bool
    }

    var events: [Event] = []
    /// Per job, the canonical records the output must hold, in order.
    var expected: [String: [String]] = [:]
    var invalidCount: Int { events.filter(\.isInvalid).count }

    init(jobs: Int, seed: UInt64, prefix: String = "job") {
        var rng = SplitMix64(seed: seed)
        var perJob: [[Event]] = []
        for index in 0..<jobs {
            let jobID = "\(prefix)-\(index)-\(rng.next() % 100_000)"
            perJob.append(Self.lifecycle(jobID, &rng))
        }
        // Interleave jobs while keeping each job's own order (as one partition would).
        var cursors = [Int](repeating: 0, count: perJob.count)
        var remaining = perJob.map(\.count).reduce(0, +)
        while remaining > 0 {
            let job = Int(rng.next() % UInt64(perJob.count))
            guard cursors[job] < perJob[job].count else { continue }
            events.append(perJob[job][cursors[job]])
            cursors[job] += 1
            remaining -= 1
        }
        expected = Self.model(events)
    }

    /// The independent model of DESIGN.md section 2: compare canonical strings and ranks.
    static func model(_ events: [Event]) -> [String: [String]] {
        var output: [String: [String]] = [:]
        for judgement in judgements(events) {
            if case .publish(let jobID, let bytes) = judgement { output[jobID, default: []].append(bytes) }
        }
        return output
    }

    /// What the model does with one event.
    enum Judgement: Equatable {
        case publish(jobID: String, canonical: String)
        case duplicate, afterTerminal, stale
        /// Dead-lettered: invalid, or not a status the decoder accepts.
        case invalid
    }

    /// The model's judgement of each event, in stream order (a job's events are judged in the
    /// order the stream holds them, as their one input partition does).
    static func judgements(_ events: [Event]) -> [Judgement] {
        var last: [String: (bytes: String, rank: Int?, terminal: Bool)] = [:]
        return events.map { event in
            guard !event.isInvalid, let value = event.value, let status = try? JobStatus.decode(value) else {
                return .invalid
            }
            let bytes = String(decoding: status.canonicalBytes(), as: UTF8.self)
            if let previous = last[status.jobID] {
                if previous.bytes == bytes { return .duplicate }
                if previous.terminal { return .afterTerminal }
                if let rank = status.status.rank, let previousRank = previous.rank, rank < previousRank {
                    return .stale
                }
            }
            last[status.jobID] = (bytes, status.status.rank, status.status.isTerminal)
            return .publish(jobID: status.jobID, canonical: bytes)
        }
    }

    private static func lifecycle(_ jobID: String, _ rng: inout SplitMix64) -> [Event] {
        var steps: [(String, String, [String: String])] = [
            ("INITIALIZING", "job is being initialized", [:]),
            ("QUEUED", "job is queued", ["queue_position": String(rng.next() % 50)]),
            ("VALIDATING", "job is being validated", [:]),
            ("RUNNING", "job is actively running", ["progress": "0.25"]),
            ("RUNNING", "job is actively running", ["progress": "0.75"]),
        ]
        let terminal = ["DONE", "ERROR", "CANCELLED"][Int(rng.next() % 3)]
        steps.append((terminal, "job has finished: \(terminal.lowercased())", ["shots": "1024"]))
        if rng.next() % 3 == 0 { steps.removeFirst() }  // some jobs start queued
        var events: [Event] = []
        for (offset, step) in steps.enumerated() {
            let event = Event(jobID: jobID, value: render(jobID, step, &rng, spelling: offset), isInvalid: false)
            events.append(event)
            if rng.next() % 4 == 0 {  // a retried send: same event, other member order and spelling
                events.append(
                    Event(jobID: jobID, value: render(jobID, step, &rng, spelling: offset + 7), isInvalid: false))
            }
        }
        if events.count > 2, rng.next() % 3 == 0 {  // a late event: swap two neighbours
            let at = 1 + Int(rng.next() % UInt64(events.count - 2))
            events.swapAt(at, at - 1)
        }
        if rng.next() % 4 == 0 {  // an event after the terminal one
            events.append(
                Event(
                    jobID: jobID, value: render(jobID, ("RUNNING", "late heartbeat", [:]), &rng, spelling: 3),
                    isInvalid: false))
        }
        if rng.next() % 25 == 0 {
            events.insert(invalid(jobID, &rng), at: Int(rng.next() % UInt64(events.count)))
        }
        return events
    }

    private static func render(
        _ jobID: String, _ step: (String, String, [String: String]), _ rng: inout SplitMix64, spelling: Int
    ) -> [UInt8] {
        var members = [
            "\"job_id\": \"\(jobID)\"",
            "\"status\": \"\(spelling % 2 == 0 ? step.0 : step.0.lowercased())\"",
            "\"status_msg\": \"\(step.1)\"",
            "\"backend\": \"ibm_brisbane\"",
            "\"meta\": {\"attempt\": 1, \"tags\": [\"a\", \"b\"]}",
        ]
        for (key, value) in step.2.sorted(by: { $0.key < $1.key }) {
            members.append("\"\(key)\": \(value)")
        }
        members.shuffle(using: &rng)
        let separator = spelling % 3 == 0 ? ", " : ","
        return Array(("{" + members.joined(separator: separator) + "}").utf8)
    }

    private static func invalid(_ jobID: String, _ rng: inout SplitMix64) -> Event {
        let values: [[UInt8]] = [
            Array("not json at all".utf8),
            Array("{\"job_id\": \"\(jobID)\", \"status\": \"RUNNING\"}".utf8),
            Array("{\"job_id\": \"\(jobID)\", \"status\": \"PAUSED\", \"status_msg\": \"?\"}".utf8),
            Array("{\"job_id\": \"\(jobID)\", \"status\": \"DONE\", \"status_msg\": \"x\", \"n\": NaN}".utf8),
            [0xFF, 0xFE],
        ]
        return Event(jobID: jobID, value: values[Int(rng.next() % UInt64(values.count))], isInvalid: true)
    }
}
