/// The records a producer enqueued that librdkafka has not reported yet, in enqueue order:
/// each enqueue gets the next sequence number (carried through librdkafka's per-message opaque
/// pointer, ``DeliveryTag``), and each report marks its number. Everything before
/// ``firstUnreported`` is reported, whatever order the reports came in (librdkafka reports in
/// order per partition, not across them), which is what ``KafkaProducer/waitForDelivery(before:timeout:)``
/// waits for.
struct DeliveryWindow {
    private struct Entry {
        /// The caller's tag (``KafkaProducer/send(_:tag:)``), -1 for none.
        var tag: Int
        var reported = false
    }

    /// The sequence number of `entries[head]`: every record before it is reported.
    private(set) var firstUnreported: UInt64 = 0
    /// From `head` on, the records not all reported; before it, reported ones not dropped yet
    /// (dropped in bulk, so each record is moved at most once more).
    private var entries: [Entry] = []
    private var head = 0

    /// The sequence number the next enqueue gets.
    var nextSequence: UInt64 { firstUnreported + UInt64(entries.count - head) }

    /// A record is about to be enqueued with `tag`: its sequence number.
    mutating func enqueue(tag: Int?) -> UInt64 {
        entries.append(Entry(tag: tag ?? -1))
        return nextSequence - 1
    }

    /// The record numbered `sequence` is reported (or was never enqueued: librdkafka refused it
    /// at once): its tag, `nil` for none or for a number not outstanding.
    mutating func report(_ sequence: UInt64) -> Int? {
        guard sequence >= firstUnreported, sequence < nextSequence else { return nil }
        let index = head + Int(sequence - firstUnreported)
        guard !entries[index].reported else { return nil }
        entries[index].reported = true
        let tag = entries[index].tag
        while head < entries.count, entries[head].reported {
            head += 1
            firstUnreported += 1
        }
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096, head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return tag >= 0 ? tag : nil
    }
}
