/// The status of one job, as qiskit's `qiskit.providers.models.JobStatus`
/// models it: `JobStatus(job_id, status, status_msg, **kwargs)`.
///
/// Every member beyond the three required ones is kept in ``extras``,
/// losslessly and in full (any JSON value), so ``toDict()`` gives back
/// everything ``fromDict(_:options:)`` was given, with `status` in canonical
/// upper case. ``canonicalBytes()`` is the RFC 8785 form the daemon publishes.
public struct JobStatus: Hashable, Sendable {
    /// The job's identifier (`job_id`): non-empty, at most the configured number of bytes.
    public var jobID: String
    /// The status (`status`).
    public var status: Status
    /// The human-readable status message (`status_msg`).
    public var statusMessage: String
    /// Every other member of the event, keyed by name (qiskit's `**kwargs`).
    public var extras: JSONObject

    /// The member names of the three required fields.
    public enum Key {
        /// `job_id`.
        public static let jobID = "job_id"
        /// `status`.
        public static let status = "status"
        /// `status_msg`.
        public static let statusMessage = "status_msg"
    }

    /// Creates a job status. `extras` must not contain the three required names;
    /// any that it does are dropped in favour of the explicit arguments.
    public init(jobID: String, status: Status, statusMessage: String, extras: JSONObject = JSONObject()) {
        var extras = extras
        extras.removeValue(forKey: Key.jobID)
        extras.removeValue(forKey: Key.status)
        extras.removeValue(forKey: Key.statusMessage)
        self.jobID = jobID
        self.status = status
        self.statusMessage = statusMessage
        self.extras = extras
    }

    /// Internal memberwise init for already-validated parts.
    init(validatedJobID jobID: String, status: Status, statusMessage: String, extras: JSONObject) {
        self.jobID = jobID
        self.status = status
        self.statusMessage = statusMessage
        self.extras = extras
    }
}

// MARK: - from_dict / to_dict

extension JobStatus {
    /// qiskit's `JobStatus.from_dict`: `job_id`, `status` and `status_msg` must
    /// be present and strings; every other member becomes an extra.
    ///
    /// - Parameters:
    ///   - dict: the event's members.
    ///   - options: limits on `job_id` and the unknown-status policy.
    /// - Throws: ``InvalidEvent`` with ``InvalidReason/missingMember``,
    ///   ``InvalidReason/memberNotString``, ``InvalidReason/emptyJobID``,
    ///   ``InvalidReason/jobIDTooLong`` or ``InvalidReason/unknownStatus``.
    public static func fromDict(
        _ dict: JSONObject, options: DecodingOptions = .default
    ) throws(InvalidEvent)
        -> JobStatus
    {
        var jobID: String? = nil
        var statusText: String? = nil
        var statusMessage: String? = nil
        var extras: [JSONObject.Member] = []
        extras.reserveCapacity(max(0, dict.count - 3))
        for member in dict.members {
            switch member.key {
            case Key.jobID: jobID = try requiredString(member)
            case Key.status: statusText = try requiredString(member)
            case Key.statusMessage: statusMessage = try requiredString(member)
            default: extras.append(member)
            }
        }
        guard let jobID else { throw missing(Key.jobID) }
        guard let statusText else { throw missing(Key.status) }
        guard let statusMessage else { throw missing(Key.statusMessage) }
        try validate(jobID: jobID, limits: options.limits)
        let status = try status(from: statusText, policy: options.unknownStatus)
        return JobStatus(
            validatedJobID: jobID, status: status, statusMessage: statusMessage,
            extras: JSONObject(uniqueMembers: extras))
    }

    /// qiskit's `JobStatus.to_dict`: the three required members and every extra.
    public func toDict() -> JSONObject {
        var members = extras.members
        members.append(JSONObject.Member(key: Key.jobID, value: .string(jobID)))
        members.append(JSONObject.Member(key: Key.status, value: .string(status.name)))
        members.append(JSONObject.Member(key: Key.statusMessage, value: .string(statusMessage)))
        return JSONObject(uniqueMembers: members)
    }

    /// The RFC 8785 canonical bytes of ``toDict()``: what the daemon publishes,
    /// and what deduplication fingerprints.
    public func canonicalBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128 + jobID.utf8.count + statusMessage.utf8.count)
        CanonicalJSON.appendSortedMembers(sortedMembers(), to: &output)
        return output
    }

    /// ``toDict()``'s members in canonical order: the extras sorted (usually they already are),
    /// and the three required members inserted where they belong, rather than a sort of all.
    private func sortedMembers() -> [JSONObject.Member] {
        var members = CanonicalJSON.inCanonicalOrder(extras.members)
        members.reserveCapacity(members.count + 3)
        for member in [
            JSONObject.Member(key: Key.jobID, value: .string(jobID)),
            JSONObject.Member(key: Key.status, value: .string(status.name)),
            JSONObject.Member(key: Key.statusMessage, value: .string(statusMessage)),
        ] {
            let position = members.firstIndex { UTF16Order.precedes(member.key, $0.key) } ?? members.endIndex
            members.insert(member, at: position)
        }
        return members
    }

    private static func requiredString(_ member: JSONObject.Member) throws(InvalidEvent) -> String {
        guard case .string(let value) = member.value else {
            throw InvalidEvent(
                .memberNotString, "member \(quoted(member.key)) must be a string, got \(member.value.typeDescription)")
        }
        return value
    }

    private static func missing(_ key: String) -> InvalidEvent {
        InvalidEvent(.missingMember, "required member \(quoted(key)) is missing")
    }

    private static func validate(jobID: String, limits: DecodingLimits) throws(InvalidEvent) {
        if jobID.isEmpty {
            throw InvalidEvent(.emptyJobID, "member \"job_id\" is empty")
        }
        let length = jobID.utf8.count
        if length > limits.maxJobIDBytes {
            throw InvalidEvent(
                .jobIDTooLong,
                "member \"job_id\" is \(length) bytes long, more than the limit of \(limits.maxJobIDBytes)")
        }
    }

    /// The status `text` names, by `policy` when it is none of the known ones.
    static func status(
        from text: String, policy: DecodingOptions.UnknownStatusPolicy
    ) throws(InvalidEvent)
        -> Status
    {
        if let status = Status(text) { return status }
        guard policy == .pass else {
            let names = Status.known.map(\.name).joined(separator: ", ")
            throw InvalidEvent(
                .unknownStatus, "member \"status\" is \(quoted(text)), not one of \(names)")
        }
        return Status(passingUnknown: text)
    }
}

// MARK: - Bytes

extension JobStatus {
    /// Parses an event's bytes (UTF-8 JSON) and applies ``fromDict(_:options:)``.
    ///
    /// - Throws: ``InvalidEvent`` for every reason in ``InvalidReason`` except
    ///   ``InvalidReason/keyMismatch`` (a Kafka-level check).
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, options: DecodingOptions = .default
    ) throws(InvalidEvent)
        -> JobStatus
    {
        let limit = options.limits.maxRecordBytes
        guard bytes.count <= limit else {
            throw InvalidEvent(.tooLarge, "record is \(bytes.count) bytes, more than the limit of \(limit)")
        }
        let value = try JSONParser.parse(
            bytes, maxDepth: options.limits.maxDepth, roundsLargeIntegers: options.largeIntegers == .round)
        guard case .object(let object) = value else {
            throw InvalidEvent(.notObject, "record is \(value.typeDescription), not a JSON object", offset: 0)
        }
        return try fromDict(object, options: options)
    }

    /// Parses an event's bytes (UTF-8 JSON) and applies ``fromDict(_:options:)``.
    public static func decode(_ bytes: [UInt8], options: DecodingOptions = .default) throws(InvalidEvent) -> JobStatus {
        try bytes.withTypedUnsafeBytes { (buffer) throws(InvalidEvent) in try decode(buffer, options: options) }
    }
}

extension JSONValue {
    /// Parses one JSON value from UTF-8 bytes with the same strictness as event decoding.
    public static func parse(
        _ bytes: [UInt8], maxDepth: Int = DecodingLimits.default.maxDepth
    ) throws(InvalidEvent)
        -> JSONValue
    {
        try bytes.withTypedUnsafeBytes { (buffer) throws(InvalidEvent) in
            try JSONParser.parse(buffer, maxDepth: maxDepth)
        }
    }
}
