import Foundation
import Relay
import Testing

@testable import jobstatusd

/// Layered configuration: precedence and every error path (DESIGN.md section 5).
@Suite("Configuration")
struct ConfigurationTests {
    /// The word a setting takes is the word the chosen value calls itself (`check-config`, logs):
    /// each choice maps to its own value, not the other branch.
    @Test func everyChoiceWordNamesWhatItChooses() {
        for choice in DeliveryChoice.allCases { #expect("\(choice.delivery)" == choice.rawValue) }
        for choice in InputKeyingChoice.allCases { #expect("\(choice.keying)" == choice.rawValue) }
        for choice in OrderTypeChoice.allCases { #expect("\(choice.kind)" == choice.rawValue) }
        for choice in OrderMissingChoice.allCases { #expect("\(choice.policy)" == choice.rawValue) }
        for choice in UnknownStatusChoice.allCases { #expect("\(choice.policy)" == choice.rawValue) }
        for choice in KeyMismatchChoice.allCases { #expect("\(choice.policy)" == choice.rawValue) }
        #expect(ConfigurationSchema.Setting.delivery.kind == .choice(["exactly-once", "at-least-once"]))
    }

    func file(_ text: String) throws -> String {
        try TemporaryFile.write(text)
    }

    func load(_ yaml: String? = nil, env: [String: String] = [:], flags: [String] = []) throws -> DaemonConfiguration {
        let path = try yaml.map(file)
        defer { if let path { try? FileManager.default.removeItem(atPath: path) } }
        return try ConfigurationLoader(filePath: path, fileIsOptional: path == nil, environment: env, flags: flags)
            .load()
    }

    func error(_ yaml: String? = nil, env: [String: String] = [:], flags: [String] = []) throws -> String {
        do {
            _ = try load(yaml, env: env, flags: flags)
            Issue.record("expected a configuration error")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsMatchTheDesign() throws {
        let configuration = try load()
        #expect(configuration.relay.inputTopics == ["job-status"])
        #expect(configuration.relay.group == "jobstatusd")
        #expect(configuration.relay.outputTopic == "job-status-latest")
        #expect(configuration.relay.deadLetterTopic == "job-status-dlq")
        #expect(configuration.relay.delivery == .exactlyOnce)
        #expect(configuration.relay.transactionInterval == .milliseconds(100))
        #expect(configuration.relay.replicationFactor == 3)
        #expect(configuration.relay.decoding == .default)
        #expect(configuration.kafka.bootstrapServers == "localhost:9092")
        #expect(configuration.httpListen?.host == "127.0.0.1")
        #expect(configuration.httpListen?.port == 9464)
        #expect(configuration.logLevel == .info)
    }

    /// The relay's own defaults (what the library and the tests start from) are the schema's:
    /// the two places that hold a default cannot drift apart.
    @Test func theRelayDefaultsAreTheSchemaDefaults() throws {
        let configuration = try load()
        #expect("\(configuration.relay)" == "\(RelayConfiguration(kafka: configuration.kafka))")
    }

    /// Every key of the schema reaches what `run` uses: a value other than its default changes
    /// the configuration, so no documented key is silently ignored.
    @Test(arguments: ConfigurationSchema.settings.map(\.key))
    func everySettingChangesTheConfiguration(key: String) throws {
        let setting = try #require(ConfigurationSchema.setting(key))
        let other = Self.otherValue(for: setting)
        let base = Self.prerequisites[key] ?? []
        let changed = try load(flags: base + ["\(key)=\(other)"])
        #expect(Self.used(changed) != Self.used(try load(flags: base)), "\(key)=\(other) changed nothing")
    }

    /// Keys that only mean something beside another setting.
    static let prerequisites: [String: [String]] = [
        "dedup.order-field": ["dedup.ordering=field", "dedup.order-field=seq"],
        "dedup.order-type": ["dedup.ordering=field", "dedup.order-field=seq"],
        "dedup.order-missing": ["dedup.ordering=field", "dedup.order-field=seq"],
        "transaction.timeout": ["operation.timeout=1s"],
    ]

    @Test func orderingByAFieldNeedsAPathOfExtraMembers() throws {
        let configuration = try load(flags: [
            "dedup.ordering=field", "dedup.order-field=meta.sequence", "dedup.order-type=timestamp",
            "dedup.order-missing=arrival",
        ])
        let field = try #require(configuration.relay.ordering.orderField)
        #expect(field.path == ["meta", "sequence"])
        #expect(field.kind == .timestamp)
        #expect(field.missing == .arrival)
        for (flags, message) in [
            (["dedup.ordering=field"], "must name the member that orders events"),
            (["dedup.ordering=field", "dedup.order-field=meta..seq"], "is not a path of extra members"),
            (["dedup.ordering=field", "dedup.order-field=status"], "is not a path of extra members"),
            (["dedup.order-field=seq"], "set dedup.ordering: field"),
        ] {
            let error = try error(flags: flags)
            #expect(error.contains(message), "\(flags): \(error)")
        }
    }

    static func used(_ configuration: DaemonConfiguration) -> String {
        "\(configuration.relay) \(String(describing: configuration.httpListen)) \(configuration.logLevel) "
            + "\(configuration.logFormat) \(configuration.shutdownTimeout)"
    }

    /// A valid value other than the default, for each kind of setting.
    static func otherValue(for setting: ConfigurationSchema.Setting) -> String {
        switch setting.kind {
        case .string: "other-\(setting.key)"
        case .stringList: "other-topic"
        case .bool: setting.defaultValue == "true" ? "false" : "true"
        case .integer(let minimum): String(max(minimum, Int(setting.defaultValue) ?? minimum) + 1)
        case .duration: setting.key == "shutdown.timeout" ? "59s" : "1234ms"
        case .choice(let options): options.first { $0 != setting.defaultValue } ?? setting.defaultValue
        case .listenAddress: "127.0.0.1:1"
        case .logLevel: setting.defaultValue == "debug" ? "info" : "debug"
        }
    }

    /// The example file is the documentation of every setting: it names each key of the
    /// schema, with the schema's default, and nothing else.
    @Test func theExampleFileDocumentsExactlyTheSchema() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/jobstatusd.yaml").path
        let settings = try YAMLConfigurationFile.read(
            path: path, contents: try String(contentsOfFile: path, encoding: .utf8))
        let documented = Dictionary(
            settings.filter { !$0.key.hasPrefix(ConfigurationSchema.kafkaPrefix) }.map { ($0.key, $0.value) },
            uniquingKeysWith: { first, _ in first })
        let keys = ConfigurationSchema.settings.map(\.key)
        #expect(Set(keys).count == keys.count, "each setting is listed once")
        let schema = Dictionary(ConfigurationSchema.settings.map { ($0.key, $0.defaultValue) }) { first, _ in first }
        #expect(Set(documented.keys) == Set(schema.keys))
        for (key, value) in documented {
            #expect(value == schema[key], "\(key): the file says \(value), the default is \(schema[key] ?? "-")")
        }
    }

    /// Issue 10 (minor): one Kafka operation must fit in the drain, and the drain in systemd's
    /// stop timeout (deploy/jobstatusd.service: TimeoutStopSec=30).
    @Test func timeoutsNestInsideTheShutdown() throws {
        let configuration = try load()
        #expect(configuration.relay.operationTimeout == .seconds(10))
        #expect(configuration.shutdownTimeout == .seconds(20))
        #expect(configuration.relay.drainTimeout == .seconds(15))
        #expect(configuration.relay.operationTimeout < configuration.relay.drainTimeout)
        #expect(configuration.relay.restoreTimeout == .seconds(300))
        let message = try error(flags: ["operation.timeout=30s"])
        #expect(
            message.contains("operation.timeout") && message.contains("shorter than shutdown.timeout"), "\(message)")
    }

    /// Issue 24: `transaction.timeout` bounds how long a dead member holds readers; it must leave
    /// room for a transaction's interval and its commit, and is the only way to set it.
    @Test func theTransactionTimeoutLeavesRoomForATransaction() throws {
        #expect(try load().relay.transactionTimeout == .seconds(10))
        #expect(try load(flags: ["transaction.timeout=30s"]).relay.transactionTimeout == .seconds(30))
        let tooShort = try error(flags: ["transaction.timeout=5s"])
        #expect(
            tooShort.hasPrefix("transaction.timeout (--set)") && tooShort.contains("operation.timeout"), "\(tooShort)")
        let belowInterval = try error(flags: ["transaction.timeout=15s", "transaction.interval=8s"])
        #expect(belowInterval.contains("twice transaction.interval"), "\(belowInterval)")
        let tooLong = try error(flags: ["transaction.timeout=16m"])
        #expect(tooLong.contains("15m"), "\(tooLong)")
        let socket = try error(flags: ["kafka.producer.socket.timeout.ms=30000"])
        #expect(socket.hasPrefix("kafka.producer.socket.timeout.ms (--set): 30000 is above"), "\(socket)")
        _ = try load(flags: ["kafka.socket.timeout.ms=30000", "transaction.timeout=30s"])
        let atLeastOnce = try load(flags: ["delivery=at-least-once", "operation.timeout=15s", "shutdown.timeout=30s"])
        #expect(atLeastOnce.relay.delivery == .atLeastOnce, "no transaction: its timeout is not checked")
        let unset = try load(flags: ["operation.timeout=15s", "shutdown.timeout=30s"])
        #expect(unset.relay.transactionTimeout == .seconds(15), "unset, it grows to what the other settings need")
        #expect(unset.effective.first { $0.key == "transaction.timeout" }?.value == "15000ms", "check-config says so")
        let direct = try error(flags: ["kafka.transaction.timeout.ms=5000"])
        #expect(direct.contains("use transaction.timeout"), "\(direct)")
    }

    /// Issue 24, defect 2: at least once, a record that times out still queued leaves a gap a
    /// later record hides from the restore; exactly once, librdkafka refuses a message timeout
    /// above the transaction timeout. Both are said up front, naming the key and the fix.
    @Test func theMessageTimeoutCannotOpenAGap() throws {
        let atLeastOnce = "delivery=at-least-once"
        let short = try error(flags: [atLeastOnce, "kafka.message.timeout.ms=15000"])
        #expect(short.hasPrefix("kafka.message.timeout.ms (--set): 15000 is below 40000"), "\(short)")
        let alias = try error(flags: [atLeastOnce, "kafka.producer.delivery.timeout.ms=5000"])
        #expect(alias.hasPrefix("kafka.producer.delivery.timeout.ms (--set)"), "\(alias)")
        _ = try load(flags: [atLeastOnce, "kafka.message.timeout.ms=40000"])
        // A record produced while the commit before its own waits for delivery waits for that
        // wait (operation.timeout) before its own: the bound counts both (review of 26c0cad).
        let operation = try error(flags: [atLeastOnce, "operation.timeout=12s", "kafka.message.timeout.ms=41000"])
        #expect(operation.contains("below 42000"), "\(operation)")
        let interval = try error(flags: [atLeastOnce, "transaction.interval=20s", "kafka.message.timeout.ms=40000"])
        #expect(interval.contains("below 50000"), "the interval counts: \(interval)")
        let scoped = try error(flags: [
            atLeastOnce, "kafka.message.timeout.ms=600000", "kafka.producer.delivery.timeout.ms=5000",
        ])
        #expect(scoped.hasPrefix("kafka.producer.delivery.timeout.ms (--set)"), "the producer's key wins: \(scoped)")
        let longShutdown = try error(flags: [atLeastOnce, "shutdown.timeout=10m"])
        #expect(longShutdown.hasPrefix("kafka.message.timeout.ms (default)"), "\(longShutdown)")
        _ = try load(flags: ["shutdown.timeout=10m"])
        _ = try load(flags: [atLeastOnce, "kafka.message.timeout.ms=0"])
        let exactlyOnce = try error(flags: ["kafka.message.timeout.ms=30000"])
        #expect(exactlyOnce.contains("must be 1 to 10000 (transaction.timeout)"), "\(exactlyOnce)")
        _ = try load(flags: ["kafka.message.timeout.ms=5000"])
        let notANumber = try error(flags: ["kafka.message.timeout.ms=soon"])
        #expect(notANumber.contains("not a whole number"), "\(notANumber)")
    }

    /// Issue 24, defect 1: a consumer poll interval shorter than a restore expels the member
    /// mid-restore.
    @Test func thePollIntervalMustOutlastARestore() throws {
        let message = try error(flags: ["kafka.max.poll.interval.ms=60000"])
        #expect(message.hasPrefix("kafka.max.poll.interval.ms (--set): \"60000\" is below 660000"), "\(message)")
        _ = try load(flags: ["kafka.max.poll.interval.ms=120000", "restore.timeout=10s"])
        let tooLong = try error(flags: ["restore.timeout=13h"])
        #expect(tooLong.hasPrefix("restore.timeout (--set): is too long"), "\(tooLong)")
        let scoped = try error(flags: ["kafka.consumer.max.poll.interval.ms=1000"])
        #expect(scoped.hasPrefix("kafka.consumer.max.poll.interval.ms"), "\(scoped)")
    }

    @Test func staticMembershipIsOnByDefaultAndCanBeNamedOrTurnedOff() throws {
        #expect(try load().relay.groupInstanceID == "")
        #expect(try load(flags: ["input.group-instance-id=host-7"]).relay.groupInstanceID == "host-7")
        #expect(try load(flags: ["input.group-instance-id=off"]).relay.groupInstanceID == nil)
        let direct = try error(flags: ["kafka.group.instance.id=x"])
        #expect(direct.contains("use input.group-instance-id"), "\(direct)")
    }

    @Test func inputKeyingIsJobIDByDefaultAndAnyNeedsExactlyOnce() throws {
        #expect(try load().relay.inputKeying == .jobID)
        let any = try load(flags: ["input.keying=any"]).relay
        #expect(any.inputKeying == .any)
        #expect(any.repartitionTopic == "jobstatusd-repartition")
        let atLeastOnce = try error(flags: ["input.keying=any", "delivery=at-least-once"])
        #expect(atLeastOnce.hasPrefix("input.keying"), "\(atLeastOnce)")
        #expect(atLeastOnce.contains("exactly-once"), "\(atLeastOnce)")
        let typo = try error(flags: ["input.keying=none"])
        #expect(typo.hasPrefix("input.keying"), "\(typo)")
        #expect(typo.contains("job-id") && typo.contains("any"), "\(typo)")
        let taken = try error(flags: ["input.keying=any", "input.group=x", "output.topic=x-repartition"])
        #expect(taken.hasPrefix("input.group"), "\(taken)")
        let illegal = try error(flags: ["input.keying=any", "input.group=team/jsd"])
        #expect(illegal.hasPrefix("input.group") && illegal.contains("legal topic name"), "\(illegal)")
        #expect(try load(flags: ["input.group=team/jsd"]).relay.group == "team/jsd", "only a topic name must be legal")
    }

    @Test func precedenceIsDefaultsFileEnvironmentFlags() throws {
        let yaml = """
            output:
              topic: from-file
              partitions: 6
            dlq:
              topic: dlq-from-file
            kafka:
              bootstrap.servers: "file:9092"
              linger.ms: 5
            """
        let fileOnly = try load(yaml)
        #expect(fileOnly.relay.outputTopic == "from-file")
        #expect(fileOnly.relay.outputPartitions == 6)
        #expect(fileOnly.kafka["linger.ms"] == "5")
        let withEnv = try load(
            yaml, env: ["JOBSTATUSD_OUTPUT_TOPIC": "from-env", "JOBSTATUSD_KAFKA_BOOTSTRAP_SERVERS": "env:9092"])
        #expect(withEnv.relay.outputTopic == "from-env")
        #expect(withEnv.kafka.bootstrapServers == "env:9092")
        #expect(withEnv.relay.deadLetterTopic == "dlq-from-file")
        let withFlags = try load(
            yaml, env: ["JOBSTATUSD_OUTPUT_TOPIC": "from-env"],
            flags: ["output.topic=from-flag", "kafka.bootstrap.servers=flag:9092"])
        #expect(withFlags.relay.outputTopic == "from-flag")
        #expect(withFlags.kafka.bootstrapServers == "flag:9092")
        let source = withFlags.effective.first { $0.key == "output.topic" }?.source
        #expect(source == .flag)
        let fileSource = withFlags.effective.first { $0.key == "output.partitions" }?.source
        #expect(fileSource.map { "\($0)".hasSuffix("line 3") } == true)
    }

    @Test func typedValues() throws {
        let configuration = try load(
            """
            input:
              topics: [a, b]
            delivery: at-least-once
            transaction:
              interval: 2s
            dedup:
              ordering: arrival
            statuses:
              unknown: pass
            key-mismatch: reject
            http:
              listen: ""
            limits:
              max-depth: 10
            """)
        #expect(configuration.relay.inputTopics == ["a", "b"])
        #expect(configuration.relay.delivery == .atLeastOnce)
        #expect(configuration.relay.transactionInterval == .seconds(2))
        #expect(configuration.relay.ordering == .arrival)
        #expect(configuration.relay.decoding.unknownStatus == .pass)
        #expect(configuration.relay.keyMismatch == .reject)
        #expect(configuration.relay.decoding.limits.maxDepth == 10)
        #expect(configuration.httpListen == nil)
    }

    @Test func unknownKeysNameTheKeyTheLineAndTheClosestKnownOne() throws {
        let message = try error("output:\n  partitons: 3\n")
        #expect(message.contains("output.partitons"))
        #expect(message.contains("line 2"))
        #expect(message.contains("did you mean output.partitions?"))
        #expect(try error(flags: ["outptu.topic=x"]).contains("(--set)"))
        let env = try error(env: ["JOBSTATUSD_OUTPT_TOPIC": "x"])
        #expect(env.contains("JOBSTATUSD_OUTPT_TOPIC"))
    }

    @Test(arguments: [
        ("delivery: twice", "delivery"), ("transaction:\n  interval: soon", "transaction.interval"),
        ("output:\n  replication: 0", "output.replication"), ("output:\n  create: maybe", "output.create"),
        ("http:\n  listen: localhost", "http.listen"), ("log:\n  level: loud", "log.level"),
        ("limits:\n  max-depth: -1", "limits.max-depth"), ("input:\n  topics: []", "input.topics"),
        ("output:\n  topic: job-status", "output.topic"), ("dlq:\n  topic: job-status-latest", "dlq.topic"),
        ("output:\n  topic: \"\"", "output.topic"), ("kafka:\n  group.id: x", "kafka.group.id"),
    ])
    func badValuesNameTheKeyAndWhatIsAllowed(yaml: String, key: String) throws {
        let message = try error(yaml)
        #expect(message.contains(key), "\(message)")
        #expect(message.contains("line") || key.hasPrefix("kafka"), "\(message)")
    }

    @Test func fileProblems() throws {
        _ = try load()  // no file given and none at the default path: defaults apply (demo, get)
        let loader = ConfigurationLoader(filePath: "/nonexistent/jobstatusd.yaml", environment: [:])
        #expect {
            _ = try loader.load()
        } throws: { error in
            "\(error)".contains("/nonexistent/jobstatusd.yaml")
        }
        #expect(try error("a: [\n").contains("not valid YAML"))
        #expect(try error("- just\n- a list\n").contains("top level must be a mapping"))
    }

    @Test func secretsAreRedactedAndNeverPrinted() throws {
        let configuration = try load(env: ["JOBSTATUSD_KAFKA_SASL_PASSWORD": "hunter2"])
        #expect(configuration.kafka["sasl.password"] == "hunter2")
        let printed = configuration.effective.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        #expect(!printed.contains("hunter2"))
        #expect(printed.contains("kafka.sasl.password=[redacted]"))
    }

    @Test func durations() {
        #expect(DurationText.parse("100ms") == .milliseconds(100))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("250") == .milliseconds(250))
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("-1s") == nil)
        #expect(DurationText.parse("7d") == .seconds(7 * 86_400))
        #expect(DurationText.parse("1e17d") == nil, "too long for milliseconds in an Int64: an error, not a crash")
        #expect(DurationText.parse("nand") == nil)
    }

    /// The schema shows typed defaults as text: in the largest unit that divides them, read back
    /// to the same duration.
    @Test func durationsRenderAsOperatorsWriteThem() {
        let cases: [(Duration, String)] = [
            (.milliseconds(100), "100ms"), (.seconds(10), "10s"), (.seconds(300), "5m"), (.seconds(86_400), "1d"),
            (.seconds(7200), "2h"), (.milliseconds(1500), "1500ms"), (.zero, "0s"),
        ]
        for (duration, text) in cases {
            #expect(DurationText.render(duration) == text)
            #expect(DurationText.parse(text) == duration)
        }
    }
}
