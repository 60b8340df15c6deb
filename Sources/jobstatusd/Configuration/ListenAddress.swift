import Foundation

/// `host:port` as `http.listen` and `monitor --listen` take it: an IPv6 host in brackets, an
/// empty host for every address.
enum ListenAddress {
    /// The host and port of `text`, or nil when it is not `host:port` with a port of 0 to 65535.
    static func parse(_ text: String) -> (host: String, port: Int)? {
        let value = text.trimmingCharacters(in: .whitespaces)
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(value[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
