import Foundation
import Kafka
import Testing

@testable import jobstatusd

/// The monitor's shared state: what event-stream subscribers receive, and when.
@Suite("Monitor state")
struct MonitorStateTests {
    static func message(_ job: String, _ status: String?, offset: Int64) -> KafkaMessage {
        KafkaMessage(
            topicPartition: TopicPartition("latest", 0), offset: KafkaOffset(rawValue: offset),
            key: Array(job.utf8),
            value: status.map { Array(#"{"job_id":"\#(job)","status":"\#($0)","status_msg":"m"}"#.utf8) })
    }

    /// Drains what `stream` holds now (it was finished, or holds a known number of events).
    static func take(_ count: Int, from stream: AsyncStream<MonitorState.Event>) async -> [String] {
        var names: [String] = []
        for await event in stream {
            switch event {
            case .transition(let transition): names.append("transition \(transition.jobID)")
            case .feed(let feed): names.append("feed loaded=\(feed.loaded)")
            case .heartbeat: names.append("heartbeat")
            case .reset(let sequence): names.append("reset \(sequence)")
            }
            if names.count == count { break }
        }
        return names
    }

    @Test func theFirstReadIsNotSentRecordByRecordButAsOneReset() async {
        let state = MonitorState()
        let (backlog, _, stream) = state.subscribe(after: nil)
        #expect(backlog == [])
        state.apply((0..<100).map { Self.message("job-\($0)", "QUEUED", offset: Int64($0)) })
        state.markLoaded()
        state.apply([Self.message("job-1", "RUNNING", offset: 100)])
        let received = await Self.take(3, from: stream)
        #expect(received == ["feed loaded=true", "reset 100", "transition job-1"], "the reset's id: the 100 loaded")
        #expect(
            state.read { $0.summary(now: Int64(Date().timeIntervalSince1970)) }.transitionsPerSecond.reduce(0, +) == 1,
            "the first read is history, not traffic: only the live transition counts in the rate")
    }

    @Test func aResumingSubscriberGetsTheBacklogThenEveryLaterEventOnce() async {
        let state = MonitorState()
        state.markLoaded()
        state.apply((0..<5).map { Self.message("job-\($0)", "QUEUED", offset: Int64($0)) })
        let (backlog, current, stream) = state.subscribe(after: 2)
        #expect(current == 5, "what a reload would show")
        #expect(backlog?.map(\.jobID) == ["job-2", "job-3", "job-4"])
        state.apply([Self.message("job-9", "RUNNING", offset: 5)])
        #expect(await Self.take(1, from: stream) == ["transition job-9"])
    }

    @Test func aSubscriberTooSlowToKeepUpIsCutOffAndCanResume() async {
        let state = MonitorState()
        state.markLoaded()
        let (_, _, stream) = state.subscribe(after: nil)
        let total = MonitorState.subscriberBuffer + 10
        state.apply((0..<total).map { Self.message("job-\($0)", "QUEUED", offset: Int64($0)) })
        var received = 0
        for await _ in stream { received += 1 }  // ends: the stream was finished
        #expect(received == MonitorState.subscriberBuffer, "what fitted in its buffer, then the end")
        #expect(state.subscriberCount == 0)
        let (backlog, _, _) = state.subscribe(after: UInt64(received))
        #expect(backlog?.count == 10, "resuming from the last event it got brings the rest")
    }

    @Test func stoppingEndsEveryStream() async {
        let state = MonitorState()
        let (_, _, stream) = state.subscribe(after: nil)
        state.finishSubscribers()
        var received = 0
        for await _ in stream { received += 1 }
        #expect(received == 0 && state.subscriberCount == 0)
    }
}
