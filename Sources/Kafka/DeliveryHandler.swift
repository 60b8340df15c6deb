/// The producer's delivery-report entry point (`nil`: delivered).
struct DeliveryHandler: Sendable {
    /// The record's error (nil when delivered) and its sequence number (``DeliveryWindow``).
    let call: @Sendable (KafkaError?, UInt64?) -> Void
}
