import JobStatus
import Kafka
import Testing

@testable import Relay

/// The relay judges a batch while its later chunks still decode: each record it takes is the
/// one the whole-batch decode gives at that index, whatever the batch's size against the chunks.
@Suite("Decoding a batch in chunks")
struct DecodingBatchTests {
    static let classifier = RecordClassifier(decoding: .default, ordering: .lifecycle, keyMismatch: .warn)

    static func batch(_ count: Int) -> [KafkaMessage] {
        (0..<count).map { index in
            let value: [UInt8]? =
                switch index % 5 {
                case 0: nil
                case 1: Array("not json \(index)".utf8)
                default: Array(#"{"job_id":"job-\#(index)","status":"RUNNING","status_msg":"m","n":\#(index)}"#.utf8)
                }
            // Keyed by the job_id, by something else, or not at all.
            let key: [UInt8]? =
                switch index % 4 {
                case 0: Array("job-\(index)".utf8)
                case 1: Array("job-\(index)x".utf8)
                default: nil
                }
            return KafkaMessage(
                topicPartition: TopicPartition("in", KafkaPartition(rawValue: Int32(index % 3))),
                offset: KafkaOffset(rawValue: Int64(index)), key: key, value: value)
        }
    }

    /// What a decoded record is, comparable.
    static func summary(_ record: RecordClassifier.DecodedRecord) -> String {
        switch record {
        case .tombstone: "tombstone"
        case .invalid(let invalid): "invalid \(invalid.reason)"
        case .status(let event, _): "status \(event.jobID) \(String(decoding: event.canonicalBytes, as: UTF8.self))"
        }
    }

    @Test(arguments: [0, 1, DecodingBatch.firstChunkSize - 1, DecodingBatch.firstChunkSize, 65, 320, 321, 1000])
    func recordsComeInTheBatchsOrder(count: Int) async {
        let batch = Self.batch(count)
        let expected = batch.map { Self.summary(Self.classifier.decode($0)) }
        var decoding = DecodingBatch(batch, classifier: Self.classifier)
        var taken: [String] = []
        for index in batch.indices { taken.append(Self.summary(await decoding.record(at: index).record)) }
        #expect(taken == expected)
        // The whole-batch decode (the repartition stage's) takes the same chunks.
        #expect(await Self.classifier.decode(batch).map(Self.summary) == expected)
    }

    /// A relay that skips ahead (a partition's run not taken) still gets the right record.
    @Test func aRecordFarAheadWaitsForTheChunksBeforeIt() async {
        let batch = Self.batch(700)
        var decoding = DecodingBatch(batch, classifier: Self.classifier)
        #expect(Self.summary(await decoding.record(at: 699).record) == Self.summary(Self.classifier.decode(batch[699])))
        #expect(Self.summary(await decoding.record(at: 2).record) == Self.summary(Self.classifier.decode(batch[2])))
    }

    /// Each event comes with its job's key, its canonical bytes' fingerprint and whether its
    /// record's key is its job_id (a record that is not an event, with none of them), and the
    /// keys of the rest of its chunk are there for the table's prefetch, up to where the chunk ends.
    @Test(arguments: [1, DecodingBatch.firstChunkSize, 321, 1000])
    func eventsComeWithTheirJobsKeysAndTheirChunksKeys(count: Int) async {
        let batch = Self.batch(count)
        let decoded = batch.map { Self.classifier.decode($0) }
        let keys = decoded.map { $0.jobID.map(JobKey.init) }
        let fingerprints = decoded.map { record -> Fingerprint? in
            guard case .status(let event, _) = record else { return nil }
            return Fingerprint(of: event.canonicalBytes)
        }
        var decoding = DecodingBatch(batch, classifier: Self.classifier)
        var chunkEnds: [Int] = []
        var index = 0
        while index < batch.count {
            let taken = await decoding.record(at: index)
            #expect(taken.key == keys[index])
            #expect(taken.fingerprint == fingerprints[index])
            let jobID = decoded[index].jobID
            #expect(taken.keyIsJobID == (jobID.map { batch[index].keyEquals($0) } ?? false))
            #expect(taken.keyIsJobID == (jobID != nil && index % 4 == 0), "\(index)")
            let (rest, end) = decoding.keys(from: index)
            #expect(rest == keys[index..<end].compactMap { $0 }, "\(index)")
            chunkEnds.append(end)
            index = end
        }
        var expected = [min(count, DecodingBatch.firstChunkSize)]
        while expected[expected.count - 1] < count {
            expected.append(min(count, expected[expected.count - 1] + RecordClassifier.decodedChunkSize))
        }
        #expect(chunkEnds == expected)
    }
}
