import ArgumentParser
import JobStatus
import Kafka

/// Latest status of every job seen, for the live table.
struct JobBoard {
    private(set) var latest: [String: (status: String, message: String, sequence: Int)] = [:]
    private var sequence = 0

    mutating func apply(_ message: KafkaMessage) {
        guard let key = message.key.map({ String(decoding: $0, as: UTF8.self) }) else { return }
        guard let value = message.value else {
            latest[key] = nil
            return
        }
        sequence += 1
        let status = try? JobStatus.decode(value, options: DecodingOptions(unknownStatus: .pass))
        latest[key] = (status?.status.name ?? "?", status?.statusMessage ?? "", sequence)
    }

    func counts() -> [(String, Int)] {
        var counts: [String: Int] = [:]
        for entry in latest.values { counts[entry.status, default: 0] += 1 }
        let order = Status.known.map(\.name)
        return counts.sorted {
            (order.firstIndex(of: $0.key) ?? 99, $0.key) < (order.firstIndex(of: $1.key) ?? 99, $1.key)
        }
    }

    func render(topic: String, recent: Int) -> String {
        var lines = ["\u{1B}[H\u{1B}[2J" + "jobstatusd watch: \(topic): \(latest.count) jobs"]
        lines.append(counts().map { "\($0.0) \($0.1)" }.joined(separator: "   "))
        lines.append("")
        lines.append(
            "JOB ID".padding(toLength: 40, withPad: " ", startingAt: 0)
                + "STATUS".padding(toLength: 14, withPad: " ", startingAt: 0) + "MESSAGE")
        let newest = latest.sorted { $0.value.sequence > $1.value.sequence }.prefix(recent)
        for (job, entry) in newest {
            // Job ids and messages are producer text: control characters (a newline, an escape
            // sequence) are shown escaped, never let loose on the terminal.
            let job = LogEscaping.controlCharacters(job)
            let status = LogEscaping.controlCharacters(entry.status)
            lines.append(
                String(job.prefix(39)).padding(toLength: 40, withPad: " ", startingAt: 0)
                    + status.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + LogEscaping.controlCharacters(entry.message).prefix(60))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
