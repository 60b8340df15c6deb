import Foundation
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The daemon's HTTP endpoints on a loopback port, as a test (or a load balancer) reaches them.
struct LocalHTTP {
    let port: Int

    var base: String { "http://127.0.0.1:\(port)" }

    /// The status and body of `GET path`.
    func get(_ path: String) async throws -> (status: Int, body: String) {
        guard let url = URL(string: base + path) else { throw TestFailure("bad path \(path)") }
        let (data, response) = try await URLSession.shared.data(from: url)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Waits (bounded) until `/readyz` answers 200: joined, restored, running.
    func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("\(base)/readyz answers 200", timeout: timeout, interval: .milliseconds(200)) {
            (try? await get("/readyz").status) == 200
        }
    }
}
