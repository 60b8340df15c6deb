import CPrefetch
import Kafka

/// The committed part of the dedup table: ``JobKey`` -> what was last published and where it came
/// from, in 48 bytes per job plus a 4-byte slot of an open-addressing index.
///
/// Entries sit densely in one array; the index maps a key's hash to an entry's position by linear
/// probing, kept at most 3/4 full. A slot's bits above the position hold bits of the key (a
/// tag), so a probe past another job's slot rarely reads that job's entry: a job not in the
/// table (every new job) costs the slots' cache line, not one entry's line per probe. A removal
/// moves the last entry into the hole (and re-points its slot), and closes the gap in the probe
/// sequence by shifting back, so there are no deleted markers. Orders (`dedup.ordering: field`)
/// live in a side table, only when present.
struct CompactStateTable: Sendable {
    /// One job. Field order keeps it at 48 bytes.
    struct Entry: Sendable {
        var key: JobKey
        var fingerprint: Fingerprint
        var offset: Int64
        var partition: Int32
        var topicIndex: Int16
        /// The lifecycle rank, when ``Flags/hasRank`` is set.
        var rank: Int8
        var flags: Flags
    }

    /// Terminal and presence bits of an ``Entry``.
    struct Flags: Sendable {
        var rawValue: UInt8

        static let hasSource: UInt8 = 1
        static let isTerminal: UInt8 = 2
        static let hasOrder: UInt8 = 4
        static let hasRank: UInt8 = 8
    }

    private var entries: [Entry] = []
    /// 0 for an empty slot, else an index into ``entries`` plus one in the low bits
    /// (``positionMask``) and the key's ``tag(of:)`` above them. Its count is a power of two.
    private var slots: [UInt32] = []
    /// The bits of a slot that hold the position: as many as index the slots (the entries are
    /// fewer). The rest, if any, hold the tag.
    private var positionMask: UInt32 = 0
    private var orders: [JobKey: Int64] = [:]

    var count: Int { entries.count }

    /// The state and source of `key`'s job.
    func lookup(_ key: JobKey) -> (state: PublishedState, source: SourcePosition?)? {
        guard let slot = findSlot(key) else { return nil }
        let entry = entries[position(slots[slot])]
        return (state(of: entry), source(of: entry))
    }

    /// Sets `key`'s job.
    mutating func set(_ key: JobKey, _ state: PublishedState, source: SourcePosition?) {
        let entry = Self.entry(key, state, source)
        if let order = state.order { orders[key] = order } else if !orders.isEmpty { orders.removeValue(forKey: key) }
        if let slot = findSlot(key) {
            entries[position(slots[slot])] = entry
            return
        }
        growIfNeeded(for: entries.count + 1)
        entries.append(entry)
        slots[emptySlot(for: key)] = slotValue(key, position: entries.count - 1)
    }

    /// Forgets `key`'s job.
    mutating func remove(_ key: JobKey) {
        guard let slot = findSlot(key) else { return }
        if !orders.isEmpty { orders.removeValue(forKey: key) }
        let position = position(slots[slot])
        closeGap(at: slot)
        let last = entries.count - 1
        if position != last {
            let moved = entries[last]
            if let movedSlot = findSlot(moved.key) { slots[movedSlot] = slotValue(moved.key, position: position) }
            entries[position] = moved
        }
        entries.removeLast()
    }

    /// Asks the CPU for the cache lines that lookups of `keys` will read, without waiting: the
    /// slots first, then the entries their tags point at (reading a slot may wait; the reads of
    /// one pass overlap). A lookup whose lines are not in cache waits for memory twice, and the
    /// relay looks up every record it judges.
    func prefetch(_ keys: some Collection<JobKey>) {
        guard !slots.isEmpty, !keys.isEmpty else { return }
        slots.withUnsafeBufferPointer { slots in
            for key in keys { jsd_prefetch(slots.baseAddress.map { $0 + home(of: key) }) }
        }
        entries.withUnsafeBufferPointer { entries in
            for key in keys {
                guard let slot = taggedSlot(tag(of: key), from: home(of: key)) else { continue }
                jsd_prefetch(entries.baseAddress.map { $0 + position(slots[slot]) })
            }
        }
    }

    /// Makes room for `count` jobs without growing again.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        growIfNeeded(for: count)
    }

    // MARK: - Entries

    private static func entry(_ key: JobKey, _ state: PublishedState, _ source: SourcePosition?) -> Entry {
        var flags: UInt8 = 0
        if source != nil { flags |= Flags.hasSource }
        if state.isTerminal { flags |= Flags.isTerminal }
        if state.order != nil { flags |= Flags.hasOrder }
        if state.rank != nil { flags |= Flags.hasRank }
        return Entry(
            key: key, fingerprint: state.fingerprint, offset: source?.offset.rawValue ?? 0,
            partition: source?.partition.rawValue ?? 0,
            topicIndex: source?.topicIndex ?? 0, rank: state.rank ?? 0, flags: Flags(rawValue: flags))
    }

    private func state(of entry: Entry) -> PublishedState {
        let flags = entry.flags.rawValue
        return PublishedState(
            fingerprint: entry.fingerprint, rank: flags & Flags.hasRank != 0 ? entry.rank : nil,
            isTerminal: flags & Flags.isTerminal != 0,
            order: flags & Flags.hasOrder != 0 ? orders[entry.key] : nil)
    }

    private func source(of entry: Entry) -> SourcePosition? {
        guard entry.flags.rawValue & Flags.hasSource != 0 else { return nil }
        return SourcePosition(
            topicIndex: entry.topicIndex, partition: KafkaPartition(rawValue: entry.partition),
            offset: KafkaOffset(rawValue: entry.offset))
    }

    // MARK: - Index

    private var mask: Int { slots.count - 1 }

    /// Placed by the keyed half, so no one can choose ids that crowd one probe run.
    private func home(of key: JobKey) -> Int {
        Int(truncatingIfNeeded: key.high) & mask
    }

    /// The bits of `key` a slot of it holds above the position (bits of the unkeyed half: the
    /// keyed half places it).
    private func tag(of key: JobKey) -> UInt32 {
        UInt32(truncatingIfNeeded: key.low >> 32) & ~positionMask
    }

    /// What the slot of `key`'s entry at `position` holds.
    private func slotValue(_ key: JobKey, position: Int) -> UInt32 {
        tag(of: key) | UInt32(position + 1)
    }

    /// The entry position a non-empty slot holds.
    private func position(_ slotValue: UInt32) -> Int {
        Int(slotValue & positionMask) - 1
    }

    /// The slot holding `key`, if any. An entry is read only where the slot's tag matches.
    private func findSlot(_ key: JobKey) -> Int? {
        guard !slots.isEmpty else { return nil }
        let tag = tag(of: key)
        var from = home(of: key)
        while let slot = taggedSlot(tag, from: from) {
            if entries[position(slots[slot])].key == key { return slot }
            from = (slot + 1) & mask
        }
        return nil
    }

    /// The first slot holding `tag` on the probe run from `slot` up to the next empty slot
    /// (slots only: no entry is read).
    private func taggedSlot(_ tag: UInt32, from slot: Int) -> Int? {
        var slot = slot
        while slots[slot] != 0 {
            if slots[slot] & ~positionMask == tag { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The first empty slot on `key`'s probe sequence (the key must be absent).
    private func emptySlot(for key: JobKey) -> Int {
        var slot = home(of: key)
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        return slot
    }

    /// Empties `slot` and shifts later members of its probe run back, so that every key stays
    /// reachable from its home slot without passing an empty one.
    private mutating func closeGap(at slot: Int) {
        var hole = slot
        var next = slot
        slots[hole] = 0
        while true {
            next = (next + 1) & mask
            guard slots[next] != 0 else { return }
            let home = home(of: entries[position(slots[next])].key)
            // The entry at `next` may move into the hole unless its home lies cyclically in (hole, next].
            let staysPut = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if staysPut { continue }
            slots[hole] = slots[next]
            slots[next] = 0
            hole = next
        }
    }

    /// Doubles the index until `count` entries keep it at most 3/4 full, and re-places every entry.
    private mutating func growIfNeeded(for count: Int) {
        var capacity = max(slots.count, 16)
        while count * 4 > capacity * 3 { capacity *= 2 }
        guard capacity != slots.count else { return }
        slots = [UInt32](repeating: 0, count: capacity)
        // A position plus one is below the capacity, a power of two: it needs that power's bits.
        positionMask = UInt32(truncatingIfNeeded: capacity - 1)
        for (position, entry) in entries.enumerated() {
            slots[emptySlot(for: entry.key)] = slotValue(entry.key, position: position)
        }
    }
}
