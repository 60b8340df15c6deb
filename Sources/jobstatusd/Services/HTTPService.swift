import Foundation
import Hummingbird
import Logging
import Prometheus
import Relay

/// The loopback HTTP endpoints (DESIGN.md section 5): `/metrics` (Prometheus
/// text), `/healthz` (the process and relay loop are alive), `/readyz` (restore
/// done, relay running), `/jobs/{job_id}` (the job's last published canonical
/// record, from the relay's view, when kept).
enum HTTPService {
    static func make(
        host: String, port: Int, status: RelayStatus, publisher: RelayMetricsPublisher,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in
            let snapshot = status.current
            let alive = snapshot.phase != .failed && ContinuousClock.now - snapshot.lastHeartbeat < .seconds(60)
            return HTTPResponses.text(
                alive ? "ok\n" : "relay loop stalled or failed: \(snapshot.statusLine)\n",
                alive ? .ok : .serviceUnavailable)
        }
        router.get("/readyz") { _, _ -> Response in
            let snapshot = status.current
            return HTTPResponses.text(
                snapshot.isReady ? "ready\n" : "not ready: \(snapshot.statusLine)\n",
                snapshot.isReady ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            publisher.publish()
            return HTTPResponses.metrics(registry)
        }
        router.get("/jobs/:job_id") { _, context -> Response in
            guard let jobID = context.parameters.get("job_id") else {
                return HTTPResponses.text("missing job id\n", .badRequest)
            }
            guard let record = status.record(for: jobID) else {
                return HTTPResponses.text("job \(jobID) not in this instance's view (see jobstatusd get)\n", .notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: record)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "jobstatusd"),
            logger: logger)
    }
}
