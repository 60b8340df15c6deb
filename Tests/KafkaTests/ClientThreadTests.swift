import Foundation
import TestSupport
import Testing

@testable import Kafka

#if canImport(Glibc)
    import Glibc
#endif

/// The client thread's own descriptors (issue 11: SIGPIPE in the test process).
@Suite("Client thread")
struct ClientThreadTests {
    /// Which pipe a descriptor number names now: nil once it is closed.
    static func identity(_ descriptor: Int32) -> [UInt64]? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// KafkaClient stops its thread in destroy() and again in deinit. When the loop closed its
    /// pipes on exit, the second stop() wrote a byte to a closed descriptor number, which the
    /// next pipe or socket reuses: a stray byte in a broker connection, or SIGPIPE when its
    /// peer had closed. The pipes must live as long as anyone can signal them: after the loop
    /// ended, each descriptor still names the pipe it named at the start (checked by inode, so
    /// whether another descriptor reused a closed number does not matter), and a late stop()
    /// or submit() signals the thread's own wake pipe.
    @Test func aStoppedThreadKeepsItsPipesForLateSignals() async throws {
        let thread = ClientThread(name: "test-thread", watchesEventsWhenIdle: false)
        // The wake pipe is private: found by type among the stored properties.
        let pipes = Mirror(reflecting: thread).children.compactMap { $0.value as? ClientThread.Pipe }
        try #require(pipes.count == 2, "the wake pipe and the event pipe")
        let descriptors = pipes.flatMap { [$0.read, $0.write] }
        let before = descriptors.map(Self.identity)
        #expect(before.allSatisfy { $0 != nil })

        thread.stop()
        try await waitUntil("the thread's loop ended", timeout: .seconds(30)) { thread.hasFinished }
        for pipe in pipes { pipe.drain() }  // whatever woke the loop
        thread.stop()  // as KafkaClient.deinit does after destroy()
        thread.submit(ClientThread.Job(body: {}))

        #expect(descriptors.map(Self.identity) == before, "every descriptor still names its own pipe")
        var buffer = [UInt8](repeating: 0, count: 8)
        let arrived = pipes.map { read($0.read, &buffer, buffer.count) }
        #expect(arrived.contains(2), "the two late signals reached the thread's wake pipe: \(arrived)")
    }

    /// A producer's thread lets delivery reports gather for a pause after it served some
    /// (`deliveryReportPause`): librdkafka's event pipe does not wake it then, a submitted job
    /// does, at once. Here the idle work never drains the event pipe, so a thread that watched
    /// it during the pause would run the idle work again and again before the job.
    @Test func aPauseAfterServedEventsIgnoresEventsAndHoldsNoJob() async throws {
        let thread = ClientThread(name: "test-pause", watchesEventsWhenIdle: true)
        let runs = Locked(0)
        thread.setIdleWork(pause: .seconds(3600)) {
            runs.withLock { $0 += 1 }
            return true
        }
        try await waitUntil("the idle work ran", timeout: .seconds(30)) { runs.withLock { $0 } >= 1 }
        for _ in 0..<10 { thread.eventPipe.signal() }
        let answer = await thread.run { () throws(Never) in 42 }
        #expect(answer == 42)
        // At most twice as the work was set (the first pass of the loop, and the wake-up that
        // setting it signals), and once after the job. A thread that watched the undrained
        // event pipe would have spun through the idle work without end.
        #expect(runs.withLock { $0 } <= 3)
        thread.stop()
        try await waitUntil("the thread's loop ended", timeout: .seconds(30)) { thread.hasFinished }
    }
}
