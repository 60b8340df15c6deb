import Kafka

/// A batch being decoded in chunks that run in parallel, taken in order as each ends: the relay
/// judges the first records while the later ones still decode. Decoding the whole batch before
/// judging any of it left the second core idle while the relay judged, which is serial (it
/// reads and writes the table): issue 26's relay spent about a fifth of its loop waiting for
/// decoding.
///
/// The first chunk is small, so judging starts early; the others are
/// ``RecordClassifier/decodedChunkSize``. A chunk's task runs to its end even when the relay
/// stops judging the batch midway (decoding is pure; its result is dropped).
struct DecodingBatch {
    private var decoded: [RecordClassifier.DecodedRecord] = []
    private let chunks: [Task<[RecordClassifier.DecodedRecord], Never>]
    private var taken = 0

    /// The first chunk's size: judging waits for it alone.
    static let firstChunkSize = 64

    /// Starts decoding `batch` with `classifier`.
    init(_ batch: [KafkaMessage], classifier: RecordClassifier) {
        precondition(batch.startIndex == 0, "a batch is an array")
        var starts = [0]
        var start = Self.firstChunkSize
        while start < batch.endIndex {
            starts.append(start)
            start += RecordClassifier.decodedChunkSize
        }
        chunks = starts.enumerated().map { chunk, start in
            let end = chunk + 1 < starts.count ? starts[chunk + 1] : batch.endIndex
            let slice = batch[min(start, end)..<end]
            return Task { slice.map(classifier.decode) }
        }
        decoded.reserveCapacity(batch.count)
    }

    /// The decoded record at `index` in the batch, once its chunk has ended.
    mutating func record(at index: Int) async -> RecordClassifier.DecodedRecord {
        await takeChunks(while: { index >= $0 })
        return decoded[index]
    }

    /// The whole batch decoded, in order, once every chunk has ended.
    mutating func all() async -> [RecordClassifier.DecodedRecord] {
        await takeChunks(while: { _ in true })
        return decoded
    }

    /// Takes the ended chunks in order while `wanted` says so of the records taken so far.
    private mutating func takeChunks(while wanted: (Int) -> Bool) async {
        while wanted(decoded.count), taken < chunks.count {
            decoded += await chunks[taken].value
            taken += 1
        }
    }
}
