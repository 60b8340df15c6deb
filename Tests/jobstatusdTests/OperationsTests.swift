import Foundation
import Kafka
import Testing

@testable import Relay
@testable import jobstatusd

/// What systemd and an operator see: reloads, exit statuses, start-time extensions.
@Suite("Operations")
struct OperationsTests {
    @Test func aReloadAppliesTheLogLevelAndNamesWhatNeedsARestart() throws {
        let path = try TemporaryFile.write("log:\n  level: notice\n")
        let loader = ConfigurationLoader(filePath: path, environment: [:])
        let levelSwitch = LogLevelSwitch(.notice)
        let reload = ConfigurationReload(
            running: try loader.load(), levelSwitch: levelSwitch,
            load: { () throws(ConfigurationError) in try loader.load() })

        #expect(try reload.reload() == .init(applied: [], needRestart: []), "nothing changed")
        _ = try TemporaryFile.write("log:\n  level: debug\ntransaction:\n  interval: 250ms\n", to: path)
        #expect(try reload.reload() == .init(applied: ["log.level"], needRestart: ["transaction.interval"]))
        #expect(levelSwitch.level == .debug)

        _ = try TemporaryFile.write("log:\n  level: nonsense\n", to: path)
        #expect(throws: ConfigurationError.self, "a configuration that does not load changes nothing") {
            try reload.reload()
        }
        #expect(levelSwitch.level == .debug)
    }

    @Test func permanentFailuresGetTheStatusesTheUnitDoesNotRestart() {
        #expect(DaemonRunner.exitStatus(for: RelayError(.outputNotCompacted, "x")) == 3)
        #expect(DaemonRunner.exitStatus(for: RelayError(.topicMismatch, "repartition topic size")) == 3)
        #expect(DaemonRunner.exitStatus(for: RelayError(.topicMissing, "x")) == 3)
        let unreachable = KafkaError(code: .transport, message: "down")
        #expect(DaemonRunner.exitStatus(for: RelayError(.topicMissing, "x", underlying: unreachable)) == 1)
        #expect(DaemonRunner.exitStatus(for: RelayError(.fatalKafka, "fenced")) == 1)
        #expect(
            DaemonRunner.exitStatus(for: RelayError(.duplicateInstance, "shared group.instance.id")) == 2,
            "two instances with one group.instance.id fence each other: restarting would only repeat it")
        #expect(DaemonRunner.exitStatus(for: CancellationError()) == 1)
        let unit = (try? String(contentsOfFile: Self.repository + "/deploy/jobstatusd.service", encoding: .utf8)) ?? ""
        #expect(unit.contains("RestartPreventExitStatus=\(ExitStatus.usage) \(ExitStatus.topology)"))
    }

    @Test func startTimeIsExtendedOnlyWhileTheRestoreMoves() {
        var startTimeout = StartTimeoutExtension()
        let start = ContinuousClock.now
        var snapshot = RelaySnapshot()
        #expect(startTimeout.observe(snapshot, now: start) == nil, "not restoring yet")
        snapshot.phase = .restoring
        #expect(startTimeout.observe(snapshot, now: start) == .seconds(60))
        #expect(startTimeout.observe(snapshot, now: start + .seconds(20)) == .seconds(60))
        #expect(startTimeout.observe(snapshot, now: start + .seconds(31)) == nil, "stalled for 31 s")
        snapshot.restoredRecords = 1000
        #expect(startTimeout.observe(snapshot, now: start + .seconds(40)) == .seconds(60), "moving again")
        snapshot.phase = .running
        #expect(startTimeout.observe(snapshot, now: start + .seconds(41)) == nil)
    }

    @Test func instancesOnOneHostGetTheirOwnTransactionalID() throws {
        let single = try ConfigurationLoader(filePath: nil, fileIsOptional: true, environment: [:]).load()
        let named = try ConfigurationLoader(
            filePath: nil, fileIsOptional: true, environment: ["JOBSTATUSD_INSTANCE": "eu"]
        ).load()
        #expect(RelayClientSettings.transactionalID(single.relay, hostName: "h") == "jobstatusd-jobstatusd-h")
        #expect(RelayClientSettings.transactionalID(named.relay, hostName: "h") == "jobstatusd-jobstatusd-h-eu")
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
}

extension OperationsTests {
    @Test func kafkaRoleKeysGoToTheirClientAndAreCheckedLikeTheRest() throws {
        let loaded = try ConfigurationLoader(
            filePath: nil, fileIsOptional: true, environment: [:],
            flags: ["kafka.consumer.fetch.max.bytes=2000", "kafka.producer.linger.ms=50", "kafka.linger.ms=5"]
        ).load()
        #expect(loaded.relay.roleKafka[.consumer]?["fetch.max.bytes"] == "2000")
        #expect(!loaded.relay.connectDeadLetterHeaders, "Connect's DLQ headers are opt-in")
        let connect = try ConfigurationLoader(
            filePath: nil, fileIsOptional: true, environment: ["JOBSTATUSD_DLQ_CONNECT_HEADERS": "true"]
        ).load()
        #expect(connect.relay.connectDeadLetterHeaders)
        #expect(loaded.relay.kafka(for: .producer)["linger.ms"] == "50")
        #expect(loaded.relay.kafka(for: .consumer)["linger.ms"] == "5", "the shared value, dropped by the client")
        #expect(loaded.effective.contains { $0.key == "kafka.producer.linger.ms" && $0.value == "50" })
        let misplaced = #expect(throws: ConfigurationError.self, "a property the role's client would drop") {
            try ConfigurationLoader(
                filePath: nil, fileIsOptional: true, environment: [:],
                flags: ["kafka.producer.isolation.level=read_committed"]
            ).load()
        }
        #expect(misplaced?.description.contains("kafka.producer.isolation.level") == true)
        #expect(misplaced?.description.contains("kafka.consumer.isolation.level") == true, "it names the fix")
        #expect(throws: ConfigurationError.self, "group.id is jobstatusd's, under any role") {
            try ConfigurationLoader(
                filePath: nil, fileIsOptional: true, environment: [:], flags: ["kafka.consumer.group.id=x"]
            ).load()
        }
    }
}
