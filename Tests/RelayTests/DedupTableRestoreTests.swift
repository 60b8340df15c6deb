import JobStatus
import Kafka
import Testing

@testable import Relay

/// The restore's per-record entry point (``DedupTable/restore(_:ordering:source:timestamp:remembersTombstone:)``,
/// bytes in place) leaves the table as the `String` one with ``PublishedState/init(restoring:ordering:)`` does.
@Suite("Dedup table restore from records")
struct DedupTableRestoreTests {
    static let values: [[UInt8]?] = [
        Array(#"{"job_id":"j","status":"RUNNING","status_msg":"m"}"#.utf8),
        Array(#"{"job_id":"j","status":"done","status_msg":"m"}"#.utf8),
        Array(#"{"job_id":"j","status":"WEIRD","status_msg":"m"}"#.utf8),
        Array(#"{"job_id":"j","status":"R\u0055NNING","status_msg":"m"}"#.utf8),
        Array(#"{"job_id":"j","status":" queued ","status_msg":"m"}"#.utf8),
        Array(#"{"job_id":"j","seq":7,"status":"QUEUED","status_msg":"m"}"#.utf8),
        Array("not json".utf8), nil,
    ]

    @Test(arguments: [DedupOrdering.lifecycle, .arrival])
    func recordsRestoreAsTheirStringForm(_ ordering: DedupOrdering) {
        for retention in [false, true] {
            var byRecord = DedupTable(tracksFinishedJobs: retention)
            var byString = DedupTable(tracksFinishedJobs: retention)
            for (offset, value) in Self.values.enumerated() {
                let jobID = "job-é-\(offset % 3)"
                let source = SourcePosition(topicIndex: 0, partition: 1, offset: KafkaOffset(rawValue: Int64(offset)))
                let record = KafkaMessage(
                    topicPartition: TopicPartition("out", 1), offset: KafkaOffset(rawValue: Int64(offset)),
                    key: Array(jobID.utf8), value: value)
                let taken = byRecord.restore(
                    record, ordering: ordering, source: source, timestamp: 5, remembersTombstone: true)
                let expected = byString.restore(
                    jobID, value.map { PublishedState(restoring: $0, ordering: ordering) }, source: source,
                    timestamp: 5,
                    remembersTombstone: true)
                #expect(taken == expected)
                #expect(byRecord.committed(jobID) == byString.committed(jobID))
                #expect(
                    byRecord.isRecentlyFinished(jobID, pending: .init())
                        == byString.isRecentlyFinished(jobID, pending: .init()))
            }
            #expect(byRecord.count == byString.count)
            let finished = byRecord.finishedJobs(publishedAtOrBefore: 10, limit: 10, pending: .init()) { _, _ in true }
            let expected = byString.finishedJobs(publishedAtOrBefore: 10, limit: 10, pending: .init()) { _, _ in true }
            #expect(finished.sorted() == expected.sorted())
        }
        var table = DedupTable()
        let keyless = KafkaMessage(
            topicPartition: TopicPartition("out", 1), offset: 0, key: nil, value: Self.values[0])
        let taken = table.restore(keyless, ordering: ordering, source: nil, timestamp: 0)
        #expect(!taken, "no key: no job")
        #expect(table.count == 0)
    }
}
