import Kafka
import Testing

@testable import jobstatusd

/// `jobstatusd watch`'s live table.
@Suite("Watch table")
struct JobBoardTests {
    static func record(_ job: String, _ value: String?) -> KafkaMessage {
        KafkaMessage(
            topicPartition: TopicPartition("out", 0), offset: KafkaOffset(rawValue: 0), key: Array(job.utf8),
            value: value.map { Array($0.utf8) })
    }

    @Test func producerTextCannotBreakTheTableOrDriveTheTerminal() {
        var board = JobBoard()
        board.apply(
            Self.record("job\n1", #"{"job_id":"job\n1","status":"RUNNING","status_msg":"line one\nline two\u001b[2J"}"#)
        )
        let rendered = board.render(topic: "out", recent: 10)
        let rows = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows.count == 6, "header, counts, blank, column names, one row, end: \(rows)")
        #expect(rendered.contains(#"line one\nline two\u001b[2J"#))
        #expect(rendered.contains(#"job\n1"#))
        #expect(rendered.filter { $0 == "\u{1B}" }.count == 2, "only the table's own clear-screen sequence")
    }

    @Test func aTombstoneRemovesTheJob() {
        var board = JobBoard()
        board.apply(Self.record("a", #"{"job_id":"a","status":"DONE","status_msg":""}"#))
        board.apply(Self.record("a", nil))
        #expect(board.latest.isEmpty)
    }
}
