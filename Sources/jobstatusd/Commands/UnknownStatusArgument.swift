import ArgumentParser
import JobStatus

/// The `--unknown-status` choices.
enum UnknownStatusArgument: String, ExpressibleByArgument, CaseIterable {
    case reject
    case pass

    var policy: DecodingOptions.UnknownStatusPolicy {
        switch self {
        case .reject: .reject
        case .pass: .pass
        }
    }
}
