import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The dedicated OS thread each Kafka client owns.
///
/// Why a thread: librdkafka's blocking calls (commit, transactions, admin,
/// watermarks, close) take timeouts of seconds, and must never park a
/// thread of Swift's cooperative pool. Async callers submit a job and await
/// a continuation; the job runs here.
///
/// How it waits: when idle, the thread blocks in `poll(2)` on two pipes: a
/// wake pipe written when a job is submitted, and an event pipe that
/// librdkafka itself writes to when one of its queues goes from empty to
/// non-empty (`rd_kafka_queue_io_event_enable`). It then serves librdkafka
/// with zero-timeout calls (`rd_kafka_poll(rk, 0)`,
/// `rd_kafka_consume_batch_queue(q, 0, ...)`), so records and events are
/// picked up the moment they arrive. The one deliberate wait: idle work set
/// with a pause (the producer's delivery reports) watches only the wake pipe
/// for that long after it served something, so that a steady stream of
/// events is served in batches; jobs are never held by it.
final class ClientThread: Sendable {
    /// A unit of work; `topLevelOnly` jobs (close) never run inside a librdkafka callback.
    struct Job: Sendable {
        var body: @Sendable () -> Void
        var topLevelOnly = false
        /// What the job is about, for a callback waiting for a particular kind of job.
        var payload: (any Sendable)? = nil
    }

    private struct State {
        var jobs: [Job] = []
        var stopping = false
    }

    private let state = Locked(State())
    private let wakePipe: Pipe
    /// Where librdkafka writes its queue events; pass ``eventDescriptor`` to `rd_kafka_queue_io_event_enable`.
    let eventPipe: Pipe
    private let idleWork = Locked<IdleWork?>(nil)
    private let watchesEventsWhenIdle: Bool
    private let finished = Locked(false)
    private let name: String

    /// A non-blocking pipe.
    struct Pipe: Sendable {
        let read: Int32
        let write: Int32

        init() {
            var fds: [Int32] = [-1, -1]
            let result = pipe(&fds)
            precondition(result == 0, "pipe() failed with errno \(errno): out of file descriptors?")
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
            read = fds[0]
            write = fds[1]
        }

        func signal() {
            var byte: UInt8 = 1
            _ = Glibc.write(write, &byte, 1)
        }

        func drain() {
            // On the stack: the producer's thread drains after every wake-up.
            withUnsafeTemporaryAllocation(byteCount: 256, alignment: 1) { buffer in
                while Glibc.read(read, buffer.baseAddress, buffer.count) > 0 {}
            }
        }

        func close() {
            _ = Glibc.close(read)
            _ = Glibc.close(write)
        }
    }

    /// Starts the thread.
    /// - Parameters:
    ///   - name: the thread's name (visible in `top -H`, at most 15 bytes are kept).
    ///   - watchesEventsWhenIdle: whether librdkafka's event pipe wakes the idle loop (a producer's
    ///     delivery reports) or only fetch jobs watch it (a consumer's records wait for demand).
    init(name: String, watchesEventsWhenIdle: Bool) {
        self.name = name
        self.wakePipe = Pipe()
        self.eventPipe = Pipe()
        self.watchesEventsWhenIdle = watchesEventsWhenIdle
        let thread = Thread { [self] in self.runLoop() }
        thread.name = String(name.prefix(15))
        thread.start()
    }

    /// The write end librdkafka signals on.
    var eventDescriptor: Int32 { eventPipe.write }

    /// Work to do whenever the thread wakes while idle (e.g. `rd_kafka_poll(rk, 0)`), returning
    /// whether it found anything.
    /// - Parameter pause: after work that found something, how long the thread waits for jobs
    ///   alone before it watches librdkafka's events again: under load, events are then served
    ///   in batches, one wake-up per pause, instead of one wake-up each time a queue that was
    ///   served goes from empty to non-empty. Jobs are never held by it. Rounded up to whole
    ///   milliseconds (`poll(2)`'s unit); zero or less: no pause.
    func setIdleWork(pause: Duration = .zero, _ work: @escaping @Sendable () -> Bool) {
        let milliseconds = pause > .zero ? (pause + .nanoseconds(999_999)).timeoutMilliseconds : 0
        idleWork.withLock { $0 = IdleWork(run: work, pauseMilliseconds: milliseconds) }
        wakePipe.signal()
    }

    // MARK: - Submitting

    func submit(_ job: Job) {
        state.withLock { $0.jobs.append(job) }
        wakePipe.signal()
    }

    /// Runs `body` on the thread and returns its result.
    func run<T: Sendable, E: Error>(
        topLevelOnly: Bool = false, _ body: @escaping @Sendable () throws(E) -> T
    )
        async throws(E) -> T
    {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            submit(
                Job(
                    body: {
                        do throws(E) {
                            continuation.resume(returning: .success(try body()))
                        } catch {
                            continuation.resume(returning: .failure(error))
                        }
                    }, topLevelOnly: topLevelOnly))
        }
        return try result.get()
    }

    /// Asks the thread to exit after the jobs already submitted.
    func stop() {
        state.withLock { $0.stopping = true }
        wakePipe.signal()
    }

    /// Whether jobs are waiting (a long job such as a fetch yields to them).
    var hasPendingJobs: Bool {
        state.withLock { !$0.jobs.isEmpty }
    }

    /// Whether ``stop()`` was called.
    var isStopping: Bool {
        state.withLock { $0.stopping }
    }

    // MARK: - On the thread

    private func runLoop() {
        while true {
            if let job = takeJob(where: { _ in true }) {
                job.body()
                continue
            }
            if isStopping { break }
            let work = idleWork.withLock { $0 }
            let served = work?.run() ?? false
            if hasPendingJobs || isStopping { continue }
            if served, let pause = work?.pauseMilliseconds, pause > 0 {
                wait(watchingEvents: false, timeoutMilliseconds: pause)
                continue
            }
            wait(watchingEvents: watchesEventsWhenIdle, timeoutMilliseconds: -1)
        }
        finished.withLock { $0 = true }
        // The pipes stay open until deinit: stop() and submit() may still signal after the loop
        // ended (KafkaClient stops the thread in destroy() and again in deinit), and a write to
        // a closed descriptor lands in whatever file or socket reuses its number next: a stray
        // byte in a broker connection, or SIGPIPE from a closed peer.
    }

    deinit {
        wakePipe.close()
        eventPipe.close()
    }

    /// Whether the thread's loop has ended (after ``stop()``).
    var hasFinished: Bool {
        finished.withLock { $0 }
    }

    /// Removes and returns the first job matching `predicate`.
    func takeJob(where predicate: (Job) -> Bool) -> Job? {
        state.withLock { state in
            guard let index = state.jobs.firstIndex(where: predicate) else { return nil }
            return state.jobs.remove(at: index)
        }
    }

    /// Blocks in `poll(2)` until a job is submitted, librdkafka signals (if watched), or the timeout passes.
    /// Drains what woke it. Must be called on the thread.
    func wait(watchingEvents: Bool, timeoutMilliseconds: Int32) {
        // On the stack: the producer's thread waits after every wake-up.
        withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { fds in
            fds[0] = pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)
            fds[1] = pollfd(fd: eventPipe.read, events: Int16(POLLIN), revents: 0)
            _ = poll(fds.baseAddress, watchingEvents ? 2 : 1, timeoutMilliseconds)
        }
        wakePipe.drain()
    }

    /// Empties the event pipe before serving librdkafka, so the next write means new work.
    func drainEvents() {
        eventPipe.drain()
    }

    /// Runs jobs until one matches `stopWhen` (returned, not run) or stopping; used inside
    /// librdkafka callbacks that must wait for the caller. Jobs that must run at top level
    /// are left queued and end the wait (returning `nil`).
    func serve(until stopWhen: (Job) -> Bool) -> Job? {
        while true {
            if let job = takeJob(where: { _ in true }) {
                if stopWhen(job) { return job }
                if job.topLevelOnly {
                    state.withLock { $0.jobs.insert(job, at: 0) }
                    return nil
                }
                job.body()
                continue
            }
            if isStopping { return nil }
            wait(watchingEvents: false, timeoutMilliseconds: -1)
        }
    }
}
