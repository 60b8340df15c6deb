import Foundation
import Testing

@testable import Kafka

#if canImport(Glibc)
    import Glibc
#endif

/// The client thread's own descriptors (issue 11: SIGPIPE in the test process).
@Suite("Client thread")
struct ClientThreadTests {
    /// KafkaClient stops its thread in destroy() and again in deinit. When the loop closed its
    /// pipes on exit, the second stop() wrote a byte to a closed descriptor number, which the
    /// next pipe or socket reuses: a stray byte in a broker connection, or SIGPIPE when its
    /// peer had closed. The pipes must live as long as anyone can signal them.
    @Test func aStoppedThreadNeverWritesToAReusedDescriptor() async throws {
        let thread = ClientThread(name: "test-thread", watchesEventsWhenIdle: false)
        thread.stop()
        let deadline = ContinuousClock.now + .seconds(30)
        while !thread.hasFinished {
            #expect(ContinuousClock.now < deadline, "the thread did not stop")
            try await Task.sleep(for: .milliseconds(5))
        }
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        thread.stop()  // as KafkaClient.deinit does after destroy()
        thread.submit(ClientThread.Job(body: {}))
        var byte: UInt8 = 0
        #expect(read(fds[0], &byte, 1) == -1, "nothing may arrive in a pipe that merely reused a number")
    }
}
