/// How strictly ``JobStatus/fromDict(_:options:)`` and ``JobStatus/decode(_:options:)`` judge input.
public struct DecodingOptions: Hashable, Sendable {
    /// What to do with a `status` that is none of qiskit's seven names.
    public struct UnknownStatusPolicy: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable {
            case reject
            case pass
        }

        let value: Value

        /// Reject the event with ``InvalidReason/unknownStatus`` (the default).
        public static let reject = UnknownStatusPolicy(value: .reject)
        /// Accept it, upper-cased, with no lifecycle rank (deduplicated by bytes only).
        public static let pass = UnknownStatusPolicy(value: .pass)

        public var description: String {
            switch value {
            case .reject: "reject"
            case .pass: "pass"
            }
        }
    }

    /// Size, depth and length bounds.
    public var limits: DecodingLimits
    /// The policy for unknown statuses.
    public var unknownStatus: UnknownStatusPolicy

    /// Creates options.
    public init(limits: DecodingLimits = .default, unknownStatus: UnknownStatusPolicy = .reject) {
        self.limits = limits
        self.unknownStatus = unknownStatus
    }

    /// Default limits, unknown statuses rejected.
    public static let `default` = DecodingOptions()
}
