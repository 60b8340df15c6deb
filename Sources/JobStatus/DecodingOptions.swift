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

        /// The policy's name as the configuration spells it: `reject` or `pass`.
        public var description: String {
            switch value {
            case .reject: "reject"
            case .pass: "pass"
            }
        }
    }

    /// What to do with an integer literal outside +/-(2^53 - 1).
    public struct LargeIntegerPolicy: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable {
            case reject
            case round
        }

        let value: Value

        /// Reject it with ``InvalidReason/unrepresentableNumber`` (input: a double would change it).
        public static let reject = LargeIntegerPolicy(value: .reject)
        /// Round it to the nearest double, as fractions and exponents are. For reading back
        /// canonical output: RFC 8785 writes the double 1e20 as the integer 100000000000000000000.
        public static let round = LargeIntegerPolicy(value: .round)

        /// The policy's name: `reject` or `round`.
        public var description: String { value == .reject ? "reject" : "round" }
    }

    /// Size, depth and length bounds.
    public var limits: DecodingLimits
    /// The policy for unknown statuses.
    public var unknownStatus: UnknownStatusPolicy
    /// The policy for integer literals beyond I-JSON's safe range.
    public var largeIntegers: LargeIntegerPolicy

    /// Creates options.
    public init(
        limits: DecodingLimits = .default, unknownStatus: UnknownStatusPolicy = .reject,
        largeIntegers: LargeIntegerPolicy = .reject
    ) {
        self.limits = limits
        self.unknownStatus = unknownStatus
        self.largeIntegers = largeIntegers
    }

    /// Default limits, unknown statuses rejected.
    public static let `default` = DecodingOptions()

    /// For reading back what was already published (the relay's restore): records may have been
    /// written under other limits or with unknown statuses passed, so neither is enforced again,
    /// and canonical output writes large doubles as integer literals (1e20 as 100000000000000000000).
    /// Nesting stays bounded (the parser recurses), far above any limit a writer could set.
    public static let restore = DecodingOptions(
        limits: DecodingLimits(maxRecordBytes: .max, maxDepth: 512, maxJobIDBytes: .max), unknownStatus: .pass,
        largeIntegers: .round)
}
