import Testing

@testable import Kafka

/// Every consumer fetches ahead up to `queued.max.messages.kbytes`, not up to librdkafka's
/// count bound, whose one-second pause a fast reader waited on (issue 26); a value the
/// operator sets stays.
@Suite("Consumer defaults")
struct ConsumerDefaultsTests {
    @Test func theCountBoundOnRecordsFetchedAheadIsOffUnlessSet() {
        let defaulted = KafkaConfiguration(["bootstrap.servers": "b:9092"]).withConsumerDefaults
        #expect(defaulted["queued.min.messages"] == "10000000")
        #expect(defaulted["queued.max.messages.kbytes"] == nil, "librdkafka's byte bound stays the bound")
        #expect(defaulted["bootstrap.servers"] == "b:9092")
        let set = KafkaConfiguration(["queued.min.messages": "5000"]).withConsumerDefaults
        #expect(set["queued.min.messages"] == "5000")
    }
}
