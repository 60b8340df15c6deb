import Kafka
import Testing

@testable import Relay

/// What each of the relay's Kafka clients is given.
@Suite("Relay client settings")
struct RelayClientSettingsTests {
    static func configuration(
        kafka: [String: String] = [:], roles: [ClientRole: [String: String]] = [:], instance: String = ""
    ) -> RelayConfiguration {
        var configuration = RelayConfiguration(
            kafka: KafkaConfiguration(kafka.merging(["bootstrap.servers": "b:9092"]) { $1 }), group: "g",
            instance: instance)
        configuration.roleKafka = roles.mapValues { KafkaConfiguration($0) }
        return configuration
    }

    @Test func eachRoleTakesItsOwnPropertiesOnTopOfTheSharedOnes() {
        let configuration = Self.configuration(
            kafka: ["linger.ms": "5", "fetch.max.bytes": "1000"],
            roles: [.producer: ["linger.ms": "50"], .consumer: ["fetch.max.bytes": "2000"]])
        let producer = RelayClientSettings.producer(configuration)
        let consumer = RelayClientSettings.consumer(configuration)
        #expect(producer["linger.ms"] == "50" && consumer["fetch.max.bytes"] == "2000")
        #expect(producer["bootstrap.servers"] == "b:9092" && consumer["bootstrap.servers"] == "b:9092")
        #expect(configuration.kafka(for: .admin)["linger.ms"] == "5")
    }

    @Test func everyClientIsNamedForItsInstanceAndRoleUnlessTheUserNamedIt() {
        let named = Self.configuration(instance: "eu")
        #expect(RelayClientSettings.consumer(named)["client.id"] == "jobstatusd-g-eu-consumer")
        #expect(RelayClientSettings.producer(named)["client.id"] == "jobstatusd-g-eu-producer")
        #expect(named.kafka(for: .admin)["client.id"] == "jobstatusd-g-eu-admin")
        #expect(RelayClientSettings.restoreReader(named)["client.id"] == "jobstatusd-g-eu-consumer-restore")
        let chosen = Self.configuration(kafka: ["client.id": "mine"], roles: [.producer: ["client.id": "mine-p"]])
        #expect(RelayClientSettings.consumer(chosen)["client.id"] == "mine")
        #expect(RelayClientSettings.producer(chosen)["client.id"] == "mine-p")
    }

    @Test func aUserValueTheRelayMustReplaceIsReportedNotDroppedSilently() {
        let configuration = Self.configuration(
            kafka: ["partitioner": "consistent_random", "enable.idempotence": "true"],
            roles: [.consumer: ["isolation.level": "read_uncommitted"]])
        let overridden = RelayClientSettings.overridden(configuration).map { "\($0.forced.key)=\($0.userValue)" }
        #expect(overridden == ["isolation.level=read_uncommitted", "partitioner=consistent_random"])
        #expect(RelayClientSettings.consumer(configuration)["isolation.level"] == "read_committed")
        #expect(RelayClientSettings.producer(configuration)["partitioner"] == "murmur2_random")
        #expect(RelayClientSettings.overridden(Self.configuration()).isEmpty, "nothing set, nothing to report")
    }

    @Test func theAtLeastOnceProducerKeepsOneRequestInFlightWhateverItIsCalled() {
        var atLeastOnce = Self.configuration(kafka: ["max.in.flight": "5"])
        atLeastOnce.delivery = .atLeastOnce
        let producer = RelayClientSettings.producer(atLeastOnce)
        #expect(producer["max.in.flight.requests.per.connection"] == "1")
        #expect(producer["max.in.flight"] == nil, "the alias would win if it came later")
        #expect(producer["enable.gapless.guarantee"] == "true")
        let overridden = RelayClientSettings.overridden(atLeastOnce).map { "\($0.userKey)=\($0.userValue)" }
        #expect(overridden == ["max.in.flight=5"])
        var scoped = Self.configuration(roles: [.producer: ["max.in.flight.requests.per.connection": "3"]])
        scoped.delivery = .atLeastOnce
        #expect(RelayClientSettings.producer(scoped)["max.in.flight.requests.per.connection"] == "1")
        #expect(
            RelayClientSettings.overridden(scoped).map { "\($0.userKey)=\($0.userValue)" }
                == ["producer.max.in.flight.requests.per.connection=3"], "named as the user wrote it")

        var exactlyOnce = Self.configuration(kafka: ["max.in.flight": "5"])
        exactlyOnce.delivery = .exactlyOnce
        #expect(RelayClientSettings.producer(exactlyOnce)["max.in.flight"] == "5", "transactions keep the user's value")
        #expect(RelayClientSettings.overridden(exactlyOnce).isEmpty)
    }

    /// Issue 24: a dead member's open transaction holds read_committed readers until the broker
    /// aborts it, so the producer gets a short `transaction.timeout.ms`, exactly once only.
    @Test func theTransactionTimeoutIsSetForTransactionsOnly() {
        var configuration = Self.configuration()
        #expect(RelayClientSettings.producer(configuration)["transaction.timeout.ms"] == "10000")
        configuration.transactionTimeout = .milliseconds(2500)
        #expect(RelayClientSettings.producer(configuration)["transaction.timeout.ms"] == "2500")
        configuration.delivery = .atLeastOnce
        #expect(RelayClientSettings.producer(configuration)["transaction.timeout.ms"] == nil)
    }

    /// Issue 24, defect 1: a restore runs inside the consumer's poll, so the poll interval must
    /// outlast the longest restore, or librdkafka expels the member mid-restore.
    @Test func thePollIntervalOutlastsTheLongestRestore() {
        var configuration = Self.configuration()
        #expect(configuration.minimumPollInterval == .seconds(660), "two restores and three round trips, and 30 s")
        #expect(RelayClientSettings.consumer(configuration)["max.poll.interval.ms"] == "660000")
        configuration.restoreTimeout = .seconds(30)
        #expect(RelayClientSettings.consumer(configuration)["max.poll.interval.ms"] == "300000", "librdkafka's default")
        configuration.restoreTimeout = .seconds(86_400)
        #expect(RelayClientSettings.consumer(configuration)["max.poll.interval.ms"] == "86400000", "librdkafka's most")
        let chosen = Self.configuration(roles: [.consumer: ["max.poll.interval.ms": "900000"]])
        #expect(RelayClientSettings.consumer(chosen)["max.poll.interval.ms"] == "900000")
    }

    /// The restore reader's fetches wait briefly for records that are not there: every start
    /// reads each empty output and DLQ partition to its end, one fetch wait per round. A value
    /// the user set for the consumer stands.
    @Test func theRestoreReaderWaitsBrieflyInAFetchUnlessTheUserSetIt() {
        #expect(RelayClientSettings.restoreReader(Self.configuration())["fetch.wait.max.ms"] == "10")
        #expect(RelayClientSettings.consumer(Self.configuration())["fetch.wait.max.ms"] == nil, "librdkafka's")
        let set = Self.configuration(roles: [.consumer: ["fetch.wait.max.ms": "200"]])
        #expect(RelayClientSettings.restoreReader(set)["fetch.wait.max.ms"] == "200")
    }

    /// An at-least-once producer gathers records for 20 ms unless the user set `linger.ms` or
    /// its alias `queue.buffering.max.ms`, for the producer or for every client; an exactly-once
    /// producer and the consumer keep librdkafka's default.
    @Test func anAtLeastOnceProducerLingersTwentyMillisecondsUnlessTheUserSetIt() {
        func atLeastOnce(_ configuration: RelayConfiguration) -> RelayConfiguration {
            var configuration = configuration
            configuration.delivery = .atLeastOnce
            return configuration
        }
        #expect(RelayClientSettings.producer(atLeastOnce(Self.configuration()))["linger.ms"] == "20")
        #expect(RelayClientSettings.producer(Self.configuration())["linger.ms"] == nil, "exactly-once: librdkafka's")
        #expect(RelayClientSettings.consumer(atLeastOnce(Self.configuration()))["linger.ms"] == nil)
        let chosen = atLeastOnce(Self.configuration(roles: [.producer: ["linger.ms": "2"]]))
        #expect(RelayClientSettings.producer(chosen)["linger.ms"] == "2")
        let alias = atLeastOnce(Self.configuration(roles: [.producer: ["queue.buffering.max.ms": "0"]]))
        #expect(RelayClientSettings.producer(alias)["linger.ms"] == nil)
        #expect(RelayClientSettings.producer(alias)["queue.buffering.max.ms"] == "0")
        let everyClient = atLeastOnce(Self.configuration(kafka: ["linger.ms": "1"]))
        #expect(RelayClientSettings.producer(everyClient)["linger.ms"] == "1")
    }

    /// Issue 24: static membership by default, under the instance's own stable name: the
    /// transactional id (configured or derived), so two instances never share it.
    @Test func theGroupInstanceIDIsTheInstancesTransactionalIDUnlessChosenOrOff() {
        var configuration = Self.configuration(instance: "eu")
        let derived = RelayClientSettings.transactionalID(configuration)
        #expect(RelayClientSettings.consumer(configuration)["group.instance.id"] == derived)
        #expect(derived.hasSuffix("-eu"))
        configuration.transactionalID = "txn-7"
        #expect(RelayClientSettings.consumer(configuration)["group.instance.id"] == "txn-7")
        configuration.groupInstanceID = "member-7"
        #expect(RelayClientSettings.consumer(configuration)["group.instance.id"] == "member-7")
        configuration.groupInstanceID = nil
        #expect(RelayClientSettings.consumer(configuration)["group.instance.id"] == nil)
        #expect(RelayClientSettings.restoreReader(Self.configuration())["group.instance.id"] == nil, "assign only")
    }
}
