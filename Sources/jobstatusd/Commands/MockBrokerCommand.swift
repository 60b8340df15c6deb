import ArgumentParser
import Foundation
import Kafka
import Logging

/// `jobstatusd mock-broker`: librdkafka's mock cluster in a process of its own, for tests
/// that kill and restart the daemon while the broker must live on (`scripts/chaos`).
struct MockBrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-broker",
        abstract: "Run librdkafka's mock Kafka cluster (for tests; not a real broker).",
        discussion: """
            Starts the mock cluster built into librdkafka (real Kafka protocol on loopback, memory only, \
            see brokers.md for what it does not do), creates the topics, writes the bootstrap servers \
            to --ready-file, then reads fault-injection commands from standard input, one per line, \
            answering "ok" or "error: ..." on standard output. It exits when standard input closes.
              down BROKER | up BROKER                 take a broker down or bring it back
              rtt BROKER MILLISECONDS                  delay every response of a broker
              errors API_KEY ERROR_CODE COUNT          fail the next COUNT requests of an API with an error
              coordinator group|transaction KEY BROKER move a coordinator
            """,
        shouldDisplay: false)

    @Option(help: "Brokers in the cluster.") var brokers = 3
    @Option(name: .customLong("topic"), help: "A topic to create, as NAME:PARTITIONS (repeatable).")
    var topics: [String] = []
    @Option(help: "File to write the bootstrap servers to once the cluster is up.") var readyFile: String?

    func run() throws {
        let logger = Logger(label: "jobstatusd.mock-broker")
        let mock: MockCluster
        do {
            mock = try MockCluster(brokers: brokers, logger: logger)
            for spec in topics {
                let parts = spec.split(separator: ":")
                guard parts.count == 2, let partitions = Int32(parts[1]), partitions > 0 else {
                    throw ValidationError("--topic \(spec): expected NAME:PARTITIONS, e.g. job-status:8")
                }
                try mock.createTopic(String(parts[0]), partitions: partitions)
            }
        } catch let error as KafkaError {
            writeToStandardError("jobstatusd mock-broker: \(error)\n")
            throw ExitCode(1)
        }
        if let readyFile {
            try Data((mock.bootstrapServers + "\n").utf8).write(to: URL(fileURLWithPath: readyFile), options: .atomic)
        }
        let output = StandardOutput()
        output.writeLine(Array(mock.bootstrapServers.utf8))
        output.flush()
        while let line = readLine() {
            let words = line.split(separator: " ").map(String.init)
            guard !words.isEmpty else { continue }
            do {
                try Self.perform(words, on: mock)
                output.writeLine(Array("ok".utf8))
            } catch {
                output.writeLine(Array("error: \(error)".utf8))
            }
            output.flush()
        }
        withExtendedLifetime(mock) {}
    }

    private static func perform(_ words: [String], on mock: MockCluster) throws {
        func number(_ index: Int) throws -> Int {
            guard index < words.count, let value = Int(words[index]) else {
                throw ValidationError("\(words[0]): argument \(index) must be a number")
            }
            return value
        }
        switch words[0] {
        case "down": try mock.setBrokerDown(Int32(try number(1)))
        case "up": try mock.setBrokerUp(Int32(try number(1)))
        case "rtt": try mock.setRoundTripTime(broker: Int32(try number(1)), .milliseconds(try number(2)))
        case "errors":
            let code = KafkaError.Code(rawValue: Int32(try number(2)))
            mock.pushRequestErrors(
                KafkaAPIKey(rawValue: Int16(try number(1))), Array(repeating: code, count: try number(3)))
        case "coordinator":
            guard words.count == 4 else { throw ValidationError("coordinator group|transaction KEY BROKER") }
            let type: MockCluster.CoordinatorType = words[1] == "group" ? .group : .transaction
            try mock.setCoordinator(type, key: words[2], broker: Int32(try number(3)))
        default:
            throw ValidationError("unknown command \(words[0])")
        }
    }
}
