import Foundation
import Hummingbird
import Logging
import Monitor
import Prometheus

/// The monitor's HTTP side (hummingbird): the page, the JSON API, the live event stream, and
/// its own `/healthz`, `/readyz` and `/metrics`.
///
/// - `GET /api/summary`: jobs by status and backend, transitions per second, the feed's state.
/// - `GET /api/jobs?status=&backend=&q=&after=&limit=`: jobs most recently changed first, filtered
///   on the server (`q` is a job_id prefix), a page at a time (`next` is the next page's `after`).
/// - `GET /api/jobs/{id}`: the latest record in full, and the transitions seen.
/// - `GET /api/events`: server-sent events, `transition` and `feed`; each transition's id is
///   `<run>-<sequence>`, and a client that reconnects with `Last-Event-ID` gets what it missed,
///   or a `reset` event when that is no longer kept (or the id is another run's).
enum MonitorHTTP {
    static func make(
        host: String, port: Int, state: MonitorState, authorization: MonitorAuthorization?,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        if let authorization { router.add(middleware: authorization) }
        router.get("/") { _, _ in MonitorPage.response(MonitorPage.html, type: "text/html; charset=utf-8") }
        router.get("/monitor.css") { _, _ in MonitorPage.response(MonitorPage.css, type: "text/css; charset=utf-8") }
        router.get("/monitor.js") { _, _ in
            MonitorPage.response(MonitorPage.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/healthz") { _, _ in HTTPResponses.text("ok\n", .ok) }
        router.get("/readyz") { _, _ -> Response in
            let feed = state.feed
            return feed.loaded
                ? HTTPResponses.text("ready\n", .ok)
                : HTTPResponses.text(
                    "not ready: reading the topic to its end (\(feed.read) records)\n", .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            MonitorMetrics.refresh(registry: registry, state: state)
            return HTTPResponses.metrics(registry)
        }
        router.get("/api/summary") { _, _ in json(MonitorJSON.summary(state)) }
        router.get("/api/jobs") { request, _ -> Response in
            let parameters = request.uri.queryParameters
            let after = parameters["after"].map { UInt64(String($0)) }
            if let after, after == nil {
                return HTTPResponses.text("after: not a cursor from a previous page\n", .badRequest)
            }
            let query = JobQuery(
                status: parameters["status"].map(String.init), backend: parameters["backend"].map(String.init),
                prefix: parameters["q"].map(String.init), after: after ?? nil,
                limit: parameters["limit"].flatMap { Int(String($0)) } ?? 100)
            return json(MonitorJSON.page(state.read { $0.page(query) }))
        }
        router.get("/api/jobs/:id") { _, context -> Response in
            // The router gives the path segment as sent: percent-encoded (a job_id may hold
            // spaces, slashes, anything).
            guard let jobID = context.parameters.get("id")?.removingPercentEncoding else {
                return HTTPResponses.text("missing or malformed job id\n", .badRequest)
            }
            let (job, transitions) = state.read { ($0.job(jobID), $0.transitions(of: jobID)) }
            guard let job else { return HTTPResponses.text("no job \(jobID) in the topic\n", .notFound) }
            return json(MonitorJSON.detail(job, transitions))
        }
        router.get("/api/events") { request, _ -> Response in
            let lastEventID =
                request.headers[.lastEventID]
                ?? request.uri.queryParameters["last-event-id"].map(String.init)
            return events(state: state, lastEventID: lastEventID)
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "jobstatusd-monitor"),
            logger: logger)
    }

    /// The sequence a `Last-Event-ID` names, when it is this run's; nil otherwise.
    static func sequence(fromEventID id: String?, runID: String) -> UInt64?? {
        guard let id, !id.isEmpty else { return .some(nil) }  // a first connection: no backlog
        let parts = id.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0] == runID, let sequence = UInt64(parts[1]) else { return nil }
        return .some(sequence)
    }

    private static func events(state: MonitorState, lastEventID: String?) -> Response {
        let resumeFrom = sequence(fromEventID: lastEventID, runID: state.runID)
        let (backlog, current, stream) = state.subscribe(after: resumeFrom ?? nil)
        let runID = state.runID
        let body = ResponseBody { writer in
            var head = "retry: 2000\n\n" + MonitorJSON.event(.feed(state.feed), runID: runID)
            if resumeFrom == nil || backlog == nil {
                // What was missed is gone: reload.
                head += MonitorJSON.event(.reset(sequence: current), runID: runID)
            }
            try await writer.write(ByteBuffer(string: head))
            for transition in backlog ?? [] {
                try await writer.write(ByteBuffer(string: MonitorJSON.event(.transition(transition), runID: runID)))
            }
            for await event in stream {
                try await writer.write(ByteBuffer(string: MonitorJSON.event(event, runID: runID)))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .accelBuffering: "no"],
            body: body)
    }

    private static func json(_ text: JSONText) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: text.bytes)))
    }
}
