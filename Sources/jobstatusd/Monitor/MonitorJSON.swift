import Foundation
import Monitor

/// The monitor API's JSON forms (docs/monitor.md lists them).
enum MonitorJSON {
    static func summary(_ state: MonitorState) -> JSONText {
        let now = Int64(Date().timeIntervalSince1970)
        let summary = state.read { $0.summary(now: now) }
        let feed = state.feed
        var text = JSONText()
        text.object { object in
            object.member("jobs") { $0.number(summary.jobs) }
            object.member("by_status") { counts(&$0, summary.byStatus.map { ($0.status, $0.jobs) }, name: "status") }
            object.member("by_backend") {
                counts(&$0, summary.byBackend.map { ($0.backend, $0.jobs) }, name: "backend")
            }
            object.member("transitions_per_second") { text in
                text.array(summary.transitionsPerSecond) { $0.number($1) }
            }
            object.member("last_event_id") { $0.string("\(state.runID)-\(summary.lastSequence)") }
            object.member("feed") { feedObject(&$0, feed) }
        }
        return text
    }

    /// `[{"<name>": ..., "jobs": n}, ...]`.
    static func counts(_ text: inout JSONText, _ entries: [(String, Int)], name: String) {
        text.array(entries) { text, entry in
            text.object { pair in
                pair.member(name) { $0.string(entry.0) }
                pair.member("jobs") { $0.number(entry.1) }
            }
        }
    }

    static func feedObject(_ text: inout JSONText, _ feed: MonitorState.Feed) {
        text.object { object in
            object.member("loaded") { $0.bool(feed.loaded) }
            object.member("connected") { $0.bool(feed.connected) }
            object.member("unread") { $0.number(feed.unread) }
            object.member("read") { $0.number(feed.read) }
            object.member("error") { $0.optional(feed.lastError) }
        }
    }

    static func job(_ text: inout JSONText, _ job: MonitoredJob) {
        text.object { object in
            object.member("job_id") { $0.string(job.jobID) }
            object.member("status") { $0.string(job.status) }
            object.member("status_msg") { $0.string(job.statusMessage) }
            object.member("backend") { $0.optional(job.backend) }
            object.member("changed_at") { $0.number(job.changedAt) }
            object.member("sequence") { $0.number(job.sequence) }
        }
    }

    static func page(_ page: JobPage) -> JSONText {
        var text = JSONText()
        text.object { object in
            object.member("jobs") { text in text.array(page.jobs) { job(&$0, $1) } }
            object.member("next") { text in
                if let next = page.next { text.string(String(next)) } else { text.null() }
            }
        }
        return text
    }

    static func detail(_ monitored: MonitoredJob, _ transitions: [JobTransition]) -> JSONText {
        var text = JSONText()
        text.object { object in
            object.member("job") { job(&$0, monitored) }
            object.member("record") { text in
                // The record as the topic holds it: canonical JSON when the relay wrote it; any
                // other value is given as a string.
                if monitored.isDecodable {
                    text.raw(monitored.record)
                } else {
                    text.string(String(decoding: monitored.record, as: UTF8.self))
                }
            }
            object.member("transitions") { text in text.array(transitions) { transition(&$0, $1) } }
        }
        return text
    }

    static func transition(_ text: inout JSONText, _ transition: JobTransition) {
        text.object { object in
            object.member("sequence") { $0.number(transition.sequence) }
            object.member("job_id") { $0.string(transition.jobID) }
            object.member("at") { $0.number(transition.at) }
            switch transition.change {
            case .status(let status, let message, let backend):
                object.member("status") { $0.string(status) }
                object.member("status_msg") { $0.string(message) }
                object.member("backend") { $0.optional(backend) }
            case .removed:
                object.member("removed") { $0.bool(true) }
            }
        }
    }

    /// One server-sent event.
    static func event(_ event: MonitorState.Event, runID: String) -> String {
        var text = JSONText()
        switch event {
        case .transition(let change):
            transition(&text, change)
            return
                "id: \(runID)-\(change.sequence)\nevent: transition\ndata: \(String(decoding: text.bytes, as: UTF8.self))\n\n"
        case .feed(let feed):
            feedObject(&text, feed)
            return "event: feed\ndata: \(String(decoding: text.bytes, as: UTF8.self))\n\n"
        case .heartbeat:
            return ": heartbeat\n\n"
        case .reset(let sequence):
            return "id: \(runID)-\(sequence)\nevent: reset\ndata: {}\n\n"
        }
    }
}
