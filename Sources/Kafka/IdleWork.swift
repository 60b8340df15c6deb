/// Work for the idle loop, wrapped so that no function type is a generic argument (see `DeliveryHandler`).
struct IdleWork: Sendable {
    let run: @Sendable () -> Void
}
