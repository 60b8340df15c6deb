import JobStatus
import Kafka

/// Whether librdkafka would refuse an output record for its size, decided up front and the same
/// way every time, so that a replay reaches the same outcome (a dead letter, not a publish) as
/// the first run did. The bound counts key, value and headers plus librdkafka's largest
/// per-record wire overhead, against the producer's `message.max.bytes`.
struct OutputSizeLimit {
    /// The producer's `message.max.bytes`.
    let maxMessageBytes: Int

    /// librdkafka's default `message.max.bytes`.
    static let librdkafkaDefault = 1_000_000
    /// More than librdkafka's record and batch header overhead (61 + 21 bytes in v2 batches).
    static let recordWireOverhead = 128
    /// What each header costs beyond its name and value (lengths and the count, as varints).
    static let headerOverhead = 10

    /// The limit of a producer with these properties (librdkafka's default when unset).
    init(producer: KafkaConfiguration) {
        maxMessageBytes = producer["message.max.bytes"].flatMap { Int($0) } ?? Self.librdkafkaDefault
    }

    /// A limit of `maxMessageBytes`.
    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Why a dead letter would be refused, by the same bound; `nil`: it fits.
    func refusal(ofDeadLetter letter: KafkaOutgoingMessage) -> String? {
        guard exceeds(keyBytes: letter.key?.count ?? 0, valueBytes: letter.value?.count ?? 0, headers: letter.headers)
        else { return nil }
        return "the dead letter, with its \(letter.value?.count ?? 0)-byte value, exceeds message.max.bytes "
            + "(\(maxMessageBytes))"
    }

    /// Why the record of `jobID` with `bytes` and `headers` would be refused; `nil`: it fits.
    func refusal(jobID: String, bytes: [UInt8], headers: [KafkaHeader]) -> InvalidEvent? {
        guard exceeds(keyBytes: jobID.utf8.count, valueBytes: bytes.count, headers: headers) else { return nil }
        return InvalidEvent(
            .outputRejected,
            "the canonical record is \(bytes.count) bytes; with key and headers it exceeds message.max.bytes "
                + "(\(maxMessageBytes))")
    }

    /// Whether a record of these sizes, with librdkafka's wire overhead, passes the limit.
    private func exceeds(keyBytes: Int, valueBytes: Int, headers: [KafkaHeader]) -> Bool {
        let headerBytes = headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) + Self.headerOverhead }
        return keyBytes + valueBytes + headerBytes + Self.recordWireOverhead > maxMessageBytes
    }
}
