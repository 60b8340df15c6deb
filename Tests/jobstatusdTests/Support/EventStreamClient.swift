import Foundation
import TestSupport

/// A server-sent-events client over a plain loopback socket (Foundation on Linux has no
/// streaming URLSession): sends one GET with the given headers, then reads the response as it
/// arrives, without waiting for its end.
final class EventStreamClient {
    private let descriptor: Int32
    private var received: [UInt8] = []

    init(port: Int, path: String, headers: [String: String] = [:]) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(descriptor)
            throw TestFailure("cannot connect to 127.0.0.1:\(port)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let lines =
            ["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Accept: text/event-stream"]
            + headers.map { "\($0.key): \($0.value)" }
        let request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        guard send(descriptor, request, request.count, 0) == request.count else {
            close(descriptor)
            throw TestFailure("cannot send the request")
        }
    }

    deinit { close(descriptor) }

    /// Everything received so far, as text.
    var text: String { String(decoding: received, as: UTF8.self) }

    /// Reads until `condition` holds for what was received (bounded by `timeout`).
    func read(until what: String, timeout: Duration = .seconds(30), _ condition: (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !condition(text) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("timed out waiting for \(what); received: \(text.suffix(2000))")
            }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                received += buffer[0..<count]
            } else if count == 0 {
                throw TestFailure("the server closed the stream waiting for \(what); received: \(text.suffix(2000))")
            } else {
                await Task.yield()
            }
        }
    }

    /// The `data:` of each event of type `event` received so far, parsed as JSON objects.
    func events(_ event: String) -> [[String: Any]] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard lines.contains("event: \(event)"),
                let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6)
            else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
        }
    }
}
