/// The producer's delivery-report entry point (`nil`: delivered).
struct DeliveryHandler: Sendable {
    /// The record's error (nil when delivered) and the tag it was sent with.
    let call: @Sendable (KafkaError?, Int?) -> Void
}
