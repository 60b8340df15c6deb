import Foundation
import Kafka

#if canImport(Glibc)
    import Glibc
#endif

/// A Kafka broker that speaks just enough of the protocol for a SASL/PLAIN client to send its
/// credentials: it answers ApiVersions (listing SaslHandshake and SaslAuthenticate) and a
/// SaslHandshake for PLAIN, then records what the client authenticates with and hangs up.
///
/// The mock cluster has no SASL, so a test that wants librdkafka's SASL code to run (and the
/// secret to reach it, from wherever the daemon loaded it) points the client here.
final class SASLRecorder: @unchecked Sendable {
    // @unchecked: the accept thread owns `listener`; `received` and `closed` are locked.
    let port: Int
    private let listener: Int32
    private let received = Locked<[[UInt8]]>([])
    private let closed = Locked(false)

    init() throws {
        let (listener, port) = try LoopbackSocket.bound()
        guard listen(listener, 16) == 0 else {
            Glibc.close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.listener = listener
        self.port = port
        let thread = Thread { [self] in self.accept() }
        thread.start()
    }

    var bootstrapServers: String { "127.0.0.1:\(port)" }

    /// The SaslAuthenticate payloads received so far (for PLAIN: authzid NUL user NUL password).
    var authentications: [[UInt8]] { received.withLock { $0 } }

    func close() {
        closed.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func accept() {
        while !closed.withLock({ $0 }) {
            let connection = Glibc.accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            Thread { [self] in
                serve(connection)
                Glibc.close(connection)
            }.start()
        }
        Glibc.close(listener)
    }

    /// One connection: ApiVersions, SaslHandshake, then the SaslAuthenticate request is recorded.
    private func serve(_ connection: Int32) {
        while let request = Self.readFrame(connection), request.count >= 8 {
            let apiKey = Int16(bigEndian: request, at: 0)
            let version = Int16(bigEndian: request, at: 2)
            let correlation = Array(request[4..<8])
            switch apiKey {
            case 18:  // ApiVersions: its response header is always v0 (no tagged fields)
                Self.write(connection, correlation + Self.apiVersions(flexible: version >= 3))
            case 17:  // SaslHandshake: PLAIN is enabled
                Self.write(connection, correlation + [0, 0] + Self.int32(1) + Self.string("PLAIN"))
            case 36:  // SaslAuthenticate: what we came for
                received.withLock { $0.append(request) }
                return
            default:
                return
            }
        }
    }

    /// ApiVersions (18) 0...3, SaslHandshake (17) 0...1, SaslAuthenticate (36) 0...1.
    private static func apiVersions(flexible: Bool) -> [UInt8] {
        let keys: [(Int16, Int16, Int16)] = [(18, 0, 3), (17, 0, 1), (36, 0, 1)]
        var body: [UInt8] = [0, 0]  // no error
        body += flexible ? [UInt8(keys.count + 1)] : int32(Int32(keys.count))
        for (key, low, high) in keys {
            body += int16(key) + int16(low) + int16(high) + (flexible ? [0] : [])
        }
        if flexible { body += int32(0) + [0] }  // throttle time, no tagged fields
        return body
    }

    private static func readFrame(_ connection: Int32) -> [UInt8]? {
        guard let size = read(connection, count: 4) else { return nil }
        let length = Int(Int32(bigEndian: size, at: 0))
        guard length > 0, length < 1 << 20 else { return nil }
        return read(connection, count: length)
    }

    private static func read(_ connection: Int32, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { bytes in
                guard let base = bytes.baseAddress else { return -1 }
                return recv(connection, base + filled, count - filled, 0)
            }
            guard got > 0 else { return nil }
            filled += got
        }
        return buffer
    }

    private static func write(_ connection: Int32, _ payload: [UInt8]) {
        let frame = int32(Int32(payload.count)) + payload
        _ = frame.withUnsafeBytes { send(connection, $0.baseAddress, frame.count, Int32(MSG_NOSIGNAL)) }
    }

    private static func int16(_ value: Int16) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
    private static func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
    private static func string(_ text: String) -> [UInt8] { int16(Int16(text.utf8.count)) + Array(text.utf8) }
}

extension FixedWidthInteger {
    /// The big-endian integer at `offset` of `bytes`.
    fileprivate init(bigEndian bytes: [UInt8], at offset: Int) {
        self = bytes[offset..<offset + MemoryLayout<Self>.size].reduce(0) { $0 << 8 | Self($1) }
    }
}
