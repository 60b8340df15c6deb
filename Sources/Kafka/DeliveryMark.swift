/// A point in a producer's stream of records (``KafkaProducer/deliveryMark``): the records
/// enqueued before it are the ones ``KafkaProducer/waitForDelivery(before:timeout:)`` waits for.
public struct DeliveryMark: Hashable, Comparable, Sendable {
    /// How many records the producer had enqueued (or tried to) before the mark.
    let sequence: UInt64

    /// Whether `lhs` comes before `rhs` in the producer's stream.
    public static func < (lhs: DeliveryMark, rhs: DeliveryMark) -> Bool {
        lhs.sequence < rhs.sequence
    }
}
