/// An event as the relay needs it: the job, its status, and the canonical bytes that carry
/// everything else.
///
/// ``decode(_:options:)`` gives exactly what ``JobStatus/decode(_:options:)`` followed by
/// ``JobStatus/canonicalBytes()`` gives, and throws the same errors, without building the event's
/// members as values: the usual event is read once and written once.
public struct CanonicalEvent: Hashable, Sendable {
    /// The job's identifier (`job_id`).
    public var jobID: String
    /// The status, by its canonical name.
    public var status: Status
    /// The RFC 8785 bytes of the event's `toDict()`: what the relay publishes and fingerprints.
    public var canonicalBytes: [UInt8]

    init(jobID: String, status: Status, canonicalBytes: [UInt8]) {
        self.jobID = jobID
        self.status = status
        self.canonicalBytes = canonicalBytes
    }

    /// The event of a decoded status.
    public init(_ status: JobStatus) {
        self.init(jobID: status.jobID, status: status.status, canonicalBytes: status.canonicalBytes())
    }

    /// Decodes an event's bytes (UTF-8 JSON) by ``JobStatus/fromDict(_:options:)``'s rules.
    ///
    /// Events whose member names are plain ASCII take the one-pass path; anything else, and every
    /// invalid record, goes through ``JobStatus/decode(_:options:)``, so errors are its errors.
    /// - Throws: ``InvalidEvent``, as ``JobStatus/decode(_:options:)`` does.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, options: DecodingOptions = .default
    ) throws(InvalidEvent) -> CanonicalEvent {
        if let event = try? JSONParser.canonicalEvent(bytes, options: options) { return event }
        return CanonicalEvent(try JobStatus.decode(bytes, options: options))
    }

    /// Decodes an event's bytes (UTF-8 JSON); see ``decode(_:options:)-(UnsafeRawBufferPointer,_)``.
    public static func decode(
        _ bytes: [UInt8], options: DecodingOptions = .default
    ) throws(InvalidEvent)
        -> CanonicalEvent
    {
        try bytes.withTypedUnsafeBytes { (buffer) throws(InvalidEvent) in try decode(buffer, options: options) }
    }
}
