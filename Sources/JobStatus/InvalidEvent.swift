/// The error thrown when bytes or a dictionary cannot become a ``JobStatus``.
///
/// It carries a stable ``reason`` (for metrics and dead-letter headers), a
/// human-readable ``message`` that names the offending member, and, when the
/// problem is at a particular place in the input, its byte ``offset``.
public struct InvalidEvent: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why the event is invalid.
    public var reason: InvalidReason
    /// What is wrong, for a person: names the member and the value where useful.
    public var message: String
    /// The zero-based byte offset in the record where the problem was found, if any.
    public var offset: Int?

    /// Creates an error.
    public init(_ reason: InvalidReason, _ message: String, offset: Int? = nil) {
        self.reason = reason
        self.message = message
        self.offset = offset
    }

    /// `message`, followed by ` at byte N` when the offset is known.
    public var description: String {
        guard let offset else { return message }
        return "\(message) at byte \(offset)"
    }
}
