import Foundation
import Hummingbird

/// Access to the monitor when it listens beyond loopback: HTTP basic authentication with the
/// token as the password (any user name; browsers ask once and send it with every request,
/// the event stream's too), or `Authorization: Bearer <token>`. `/healthz` and `/readyz` stay
/// open for probes.
struct MonitorAuthorization: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if ["/healthz", "/readyz"].contains(request.uri.path) { return try await next(request, context) }
        if let header = request.headers[.authorization], accepts(header) { return try await next(request, context) }
        return Response(
            status: .unauthorized,
            headers: [.wwwAuthenticate: #"Basic realm="jobstatusd monitor", charset="UTF-8""#],
            body: .init(
                byteBuffer: ByteBuffer(string: "the monitor needs its token (basic auth password, or Bearer)\n")))
    }

    /// The scheme's name is case-insensitive (RFC 9110).
    func accepts(_ header: String) -> Bool {
        let scheme = header.prefix { $0 != " " }.lowercased()
        let credentials = header.drop { $0 != " " }.drop { $0 == " " }
        if scheme == "bearer" { return Self.equal(String(credentials), token) }
        guard scheme == "basic", let decoded = Data(base64Encoded: String(credentials)),
            let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
        else { return false }
        return Self.equal(String(credentials[credentials.index(after: colon)...]), token)
    }

    /// Compares without stopping at the first difference, so the time says nothing of the token.
    static func equal(_ given: String, _ expected: String) -> Bool {
        let given = Array(given.utf8)
        let expected = Array(expected.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0
    }
}
