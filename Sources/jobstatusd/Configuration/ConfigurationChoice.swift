import JobStatus
import Relay

/// A setting whose value is one word of a fixed set. The schema lists the enum's cases, so
/// the docs, `--help` and the error for a wrong word name the same words, and the daemon
/// switches over the enum: a misspelt word in code does not compile, where a string compared
/// in code silently picked the other branch.
protocol ConfigurationChoice: CaseIterable, RawRepresentable where RawValue == String {}

extension ConfigurationChoice {
    /// The words a setting of this choice accepts, in the order the schema lists them.
    static var words: [String] { allCases.map(\.rawValue) }
}

extension ConfigurationSchema.Kind {
    /// A setting that takes one of `Choice`'s words.
    static func choice<Choice: ConfigurationChoice>(of _: Choice.Type) -> Self { .choice(Choice.words) }
}

/// `input.keying`
enum InputKeyingChoice: String, ConfigurationChoice {
    case jobID = "job-id", any

    var keying: InputKeying {
        switch self {
        case .jobID: .jobID
        case .any: .any
        }
    }
}

/// `delivery`
enum DeliveryChoice: String, ConfigurationChoice {
    case exactlyOnce = "exactly-once", atLeastOnce = "at-least-once"

    var delivery: RelayConfiguration.Delivery {
        switch self {
        case .exactlyOnce: .exactlyOnce
        case .atLeastOnce: .atLeastOnce
        }
    }
}

/// `dedup.ordering`
enum OrderingChoice: String, ConfigurationChoice {
    case lifecycle, arrival, field
}

/// `dedup.order-type`
enum OrderTypeChoice: String, ConfigurationChoice {
    case integer, timestamp

    var kind: OrderField.Kind {
        switch self {
        case .integer: .integer
        case .timestamp: .timestamp
        }
    }
}

/// `dedup.order-missing`
enum OrderMissingChoice: String, ConfigurationChoice {
    case deadLetter = "dead-letter", arrival

    var policy: OrderField.MissingPolicy {
        switch self {
        case .deadLetter: .deadLetter
        case .arrival: .arrival
        }
    }
}

/// `statuses.unknown`
enum UnknownStatusChoice: String, ConfigurationChoice {
    case reject, pass

    var policy: DecodingOptions.UnknownStatusPolicy {
        switch self {
        case .reject: .reject
        case .pass: .pass
        }
    }
}

/// `key-mismatch`
enum KeyMismatchChoice: String, ConfigurationChoice {
    case warn, reject

    var policy: KeyMismatchPolicy {
        switch self {
        case .warn: .warn
        case .reject: .reject
        }
    }
}

/// `log.format`
extension LogFormat: ConfigurationChoice {}
