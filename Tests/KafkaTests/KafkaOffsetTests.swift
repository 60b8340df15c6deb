import Testing

@testable import Kafka

@Suite("Kafka offsets")
struct KafkaOffsetTests {
    @Test func theNextOffsetIsWhereAConsumerGoesOn() {
        #expect(KafkaOffset(rawValue: 41).next == KafkaOffset(rawValue: 42))
        #expect(KafkaOffset(rawValue: 0).next.isConcrete)
    }

    @Test func logicalOffsetsAreNamedAndNotConcrete() {
        for logical in [KafkaOffset.beginning, .end, .stored, .invalid] {
            #expect(!logical.isConcrete)
            #expect(Int64(logical.description) == nil, "\(logical) prints its name")
        }
        #expect(KafkaOffset(rawValue: 7).description == "7")
        #expect(KafkaOffset(rawValue: 3) < KafkaOffset(rawValue: 4))
    }
}
