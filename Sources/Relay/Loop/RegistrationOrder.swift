import Kafka

/// The order a transaction's held records are produced in when it begins: each partition's first
/// record first, then the rest, each partition's records still in their order.
///
/// librdkafka registers the partitions a transaction writes to with the coordinator as records
/// reach them, one AddPartitionsToTxn request at a time, and librdkafka 2.0.2's main thread
/// spins for the millisecond before each (its #4671, fixed in 2.4.0). Produced as judged, the
/// thousands of records held during a commit reached new partitions for tens of milliseconds,
/// with a registration, and a spin, every millisecond or two (issue 26). First records first,
/// they reach every partition within the first hundred or so: one or two registrations.
///
/// Only the order *across* partitions changes, which nothing reads: a transaction's records
/// become visible together, and each partition keeps its own order (a job's records, and the
/// source offsets of the records in it, stay in the order they were judged). The partitions
/// are predicted with the counts the relay read at start; partitions added to a topic while it
/// runs would move records of different jobs within a partition (a job's own records keep
/// their order whatever the count), and break the input's alignment with the output anyway.
enum RegistrationOrder {
    /// The indices of `records` in the order to produce them: each partition's first record
    /// first, then the rest, both in their order. Records without a ``OpenTransaction/HeldRecord/slot``
    /// (a null key, which librdkafka places at random) count as first ones.
    static func order(of records: [OpenTransaction.HeldRecord]) -> [Int] {
        var reached: [Bool] = []
        var first: [Int] = []
        var rest: [Int] = []
        rest.reserveCapacity(records.count)
        for index in records.indices {
            guard let slot = records[index].slot, slot >= 0 else {
                first.append(index)
                continue
            }
            if slot >= reached.count { reached += repeatElement(false, count: slot + 1 - reached.count) }
            if reached[slot] {
                rest.append(index)
            } else {
                reached[slot] = true
                first.append(index)
            }
        }
        return first + rest
    }
}
