import JobStatus
import Kafka
import Testing

@testable import Relay

/// The size bound decided before a produce, so that a replay dead-letters what the first run
/// dead-lettered; `RelayEndToEndTests` sends such a record through a broker.
@Suite("Output size limit")
struct OutputSizeLimitTests {
    @Test func aRecordFitsUntilKeyValueHeadersAndOverheadPassTheLimit() {
        let headers = [KafkaHeader(name: "h", value: Array("vv".utf8))]
        // key 3 + value 100 + header (1 + 2 + 10) + 128 = 244 bytes.
        let fitting = OutputSizeLimit(maxMessageBytes: 244)
        #expect(fitting.refusal(jobID: "abc", bytes: Array(repeating: 1, count: 100), headers: headers) == nil)
        let tight = OutputSizeLimit(maxMessageBytes: 243)
        let refusal = tight.refusal(jobID: "abc", bytes: Array(repeating: 1, count: 100), headers: headers)
        #expect(refusal?.reason == .outputRejected)
        #expect(refusal?.message.contains("message.max.bytes (243)") == true)
    }

    @Test func theLimitIsTheProducersMessageMaxBytesOrLibrdkafkasDefault() {
        var kafka = KafkaConfiguration()
        #expect(OutputSizeLimit(producer: kafka).maxMessageBytes == 1_000_000)
        kafka["message.max.bytes"] = "2048"
        #expect(OutputSizeLimit(producer: kafka).maxMessageBytes == 2048)
    }

    /// A dead letter's bound counts its key, value and headers the same way.
    @Test func aDeadLetterFitsUntilKeyValueHeadersAndOverheadPassTheLimit() {
        let limit = OutputSizeLimit(maxMessageBytes: 1000)
        let header = KafkaHeader(name: "h", string: "v")  // 1 + 1 + 10
        let fits = KafkaOutgoingMessage(
            topic: "dlq", key: [1, 2], value: Array(repeating: 0, count: 858), headers: [header])
        #expect(limit.refusal(ofDeadLetter: fits) == nil, "2 + 858 + 12 + 128 = 1000")
        var over = fits
        over.value = Array(repeating: 0, count: 859)
        #expect(limit.refusal(ofDeadLetter: over)?.contains("message.max.bytes (1000)") == true)
    }
}
