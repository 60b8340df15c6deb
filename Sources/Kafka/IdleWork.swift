/// Work for the idle loop, wrapped so that no function type is a generic argument (see `DeliveryHandler`).
struct IdleWork: Sendable {
    /// Serves what librdkafka queued; returns whether it found anything.
    let run: @Sendable () -> Bool
    /// How long the thread waits for jobs alone after ``run`` found something, before it
    /// watches librdkafka's events again (0: it watches them at once).
    var pauseMilliseconds: Int32 = 0
}
