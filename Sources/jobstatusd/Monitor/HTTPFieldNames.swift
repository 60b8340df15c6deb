import Hummingbird

/// The header names the monitor uses that HTTPTypes does not name.
extension HTTPFields.Element.Name {
    static let lastEventID = known("Last-Event-ID")
    static let accelBuffering = known("X-Accel-Buffering")
    static let contentSecurityPolicy = known("Content-Security-Policy")
    static let contentTypeOptions = known("X-Content-Type-Options")

    /// A name spelled here, so valid: a typo is a programming error found by the first test.
    private static func known(_ name: String) -> Self {
        guard let field = Self(name) else { preconditionFailure("not an HTTP field name: \(name)") }
        return field
    }
}
