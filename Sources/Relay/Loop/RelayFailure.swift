import Kafka

/// Why the relay loop cannot go on: the process should exit non-zero so that the
/// service manager restarts it (and the restart restores from the output).
enum RelayFailure: Error, Equatable, CustomStringConvertible {
    /// A Kafka call failed fatally (a fenced producer included), or failed in a way no retry or
    /// abort can mend, while doing `during`.
    case kafka(KafkaError, during: String)
    /// At-least-once mode: records were not delivered. Nothing can take back the ones that were,
    /// so the batch cannot be redone in place; a restart restores and redoes it.
    case undelivered(KafkaError)
    /// Transactions aborted this many times in a row without one commit in between.
    case repeatedAborts(Int, last: KafkaError?)
    /// Restoring the dedup table from the output failed or did not finish in time.
    case restore(ReadToEndFailure)

    var description: String {
        switch self {
        case .kafka(let error, let during):
            "\(during): \(error)"
        case .undelivered(let error):
            "records were not delivered (\(error)); restarting restores the output and redoes the batch"
        case .repeatedAborts(let count, let last):
            "\(count) transactions aborted in a row; last error: \(last.map { "\($0)" } ?? "none")"
        case .restore(let failure):
            "restore: \(failure)"
        }
    }

    var relayError: RelayError {
        switch self {
        case .kafka(let error, _):
            RelayError(error.isFatal ? .fatalKafka : .other, description, underlying: error)
        case .undelivered(let error):
            RelayError(.deliveryFailed, description, underlying: error)
        case .repeatedAborts(_, let last):
            RelayError(.other, description, underlying: last)
        case .restore(let failure):
            if case .kafka(let error) = failure {
                RelayError(error.isFatal ? .fatalKafka : .other, description, underlying: error)
            } else {
                RelayError(.other, description)
            }
        }
    }
}
