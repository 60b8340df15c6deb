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
///
/// Each event's ``JobKey`` and the ``Fingerprint`` of its canonical bytes are hashed with it, and
/// its record's key compared with its job_id, on the pool: the relay's loop, which is serial,
/// only looks them up.
struct DecodingBatch: Sendable {
    /// A decoded record and, for a valid event, what the relay's judgement needs of it besides.
    struct Decoded: Sendable {
        var record: RecordClassifier.DecodedRecord
        /// The event's job's key; `nil` when the record is not a valid event.
        var key: JobKey?
        /// The event's canonical bytes' fingerprint; `nil` when the record is not a valid event.
        var fingerprint: Fingerprint?
        /// Whether the record's key is the event's job_id's bytes (never for a null key, nor
        /// for a record that is not a valid event).
        var keyIsJobID = false

        /// `message` decoded by `classifier`, hashed and compared.
        init(_ message: KafkaMessage, classifier: RecordClassifier) {
            record = classifier.decode(message)
            guard case .status(let event, _) = record else { return }
            key = JobKey(event.jobID)
            fingerprint = Fingerprint(of: event.canonicalBytes)
            keyIsJobID = message.keyEquals(event.jobID)
        }
    }

    /// The batch, kept so ``isDecoding(_:)`` can tell it by its storage.
    private let batch: [KafkaMessage]
    private let chunks: [Task<[Decoded], Never>]
    /// Where each chunk starts in the batch.
    private let starts: [Int]
    /// The chunks taken so far, in order (each kept whole: no copy into one array).
    private var taken: [[Decoded]] = []

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
        self.batch = batch
        self.starts = starts
        chunks = starts.enumerated().map { chunk, start in
            let end = chunk + 1 < starts.count ? starts[chunk + 1] : batch.endIndex
            let slice = batch[min(start, end)..<end]
            return Task {
                slice.map { Decoded($0, classifier: classifier) }
            }
        }
        taken.reserveCapacity(chunks.count)
    }

    /// Whether this decodes `batch` itself (the same array, not an equal one): a decoding
    /// started ahead of the batch's judgement is used for that batch only.
    func isDecoding(_ batch: [KafkaMessage]) -> Bool {
        guard batch.count == self.batch.count else { return false }
        return batch.withUnsafeBufferPointer { mine in
            self.batch.withUnsafeBufferPointer { $0.baseAddress == mine.baseAddress }
        }
    }

    /// The decoded record at `index` in the batch, once its chunk has ended.
    mutating func record(at index: Int) async -> Decoded {
        let chunk = chunk(of: index)
        while taken.count <= chunk { taken.append(await chunks[taken.count].value) }
        return taken[chunk][index - starts[chunk]]
    }

    /// The job keys of the records from `index` to the end of its chunk, which must be taken
    /// (``record(at:)`` of `index` first), and where that chunk ends.
    func keys(from index: Int) -> (keys: [JobKey], end: Int) {
        let chunk = chunk(of: index)
        let records = taken[chunk][(index - starts[chunk])...]
        return (records.compactMap(\.key), starts[chunk] + taken[chunk].count)
    }

    /// The whole batch decoded, in order, once every chunk has ended.
    mutating func all() async -> [RecordClassifier.DecodedRecord] {
        while taken.count < chunks.count { taken.append(await chunks[taken.count].value) }
        return taken.joined().map(\.record)
    }

    /// The chunk that holds the record at `index`.
    private func chunk(of index: Int) -> Int {
        index < Self.firstChunkSize ? 0 : 1 + (index - Self.firstChunkSize) / RecordClassifier.decodedChunkSize
    }
}
