/// The output of the one-pass canonical path (``JSONParser/canonicalEvent(_:options:)``): the
/// canonical bytes written so far, where the members of each open object lie in them, and what
/// the event's required members said.
struct CanonicalWriter {
    /// One member of an object being written: its name's bytes in the input (ASCII, no escape,
    /// so byte order is UTF-16 order) and its `"name":value` bytes in ``output``.
    struct Member {
        var name: Range<Int>
        var output: Range<Int>
    }

    var output: [UInt8]
    /// The members of every object still open, innermost last.
    var members: [Member] = []
    /// Where an object's members are moved to while they are put in order.
    private var scratch: [UInt8] = []
    let unknownStatus: DecodingOptions.UnknownStatusPolicy
    var jobID: String?
    var status: Status?
    var hasStatusMessage = false

    init(capacity: Int, unknownStatus: DecodingOptions.UnknownStatusPolicy) {
        output = []
        output.reserveCapacity(capacity)
        members.reserveCapacity(16)
        self.unknownStatus = unknownStatus
    }

    /// Appends `input[range]` (typed, so it is one copy).
    mutating func append(_ input: UnsafeRawBufferPointer, _ range: Range<Int>) {
        output.append(contentsOf: UnsafeBufferPointer(rebasing: input.assumingMemoryBound(to: UInt8.self)[range]))
    }

    /// Puts the members of the object at `objectStart` (from `members[first...]`) in canonical
    /// order, then forgets them. Throws ``InvalidReason/duplicateMember`` for a repeated name.
    mutating func orderMembers(from first: Int, objectStart: Int, names: UnsafeRawBufferPointer) throws(InvalidEvent) {
        defer { members.removeSubrange(first...) }
        guard members.count - first > 1 else { return }
        var isSorted = true
        for position in (first + 1)..<members.count {
            let order = Self.compare(members[position - 1].name, members[position].name, in: names)
            if order == 0 { throw Self.duplicate }
            if order > 0 { isSorted = false }
        }
        if isSorted { return }
        members[first...].sort { Self.compare($0.name, $1.name, in: names) < 0 }
        for position in (first + 1)..<members.count
        where Self.compare(members[position - 1].name, members[position].name, in: names) == 0 {
            throw Self.duplicate
        }
        rewrite(from: first, objectStart: objectStart)
    }

    /// Writes the object's members again, in the order `members[first...]` now has.
    private mutating func rewrite(from first: Int, objectStart: Int) {
        let bodyStart = objectStart + 1  // after '{'
        scratch.removeAll(keepingCapacity: true)
        output.withUnsafeBufferPointer { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: $0[bodyStart...])) }
        output.removeSubrange(bodyStart...)
        scratch.withUnsafeBufferPointer { moved in
            for position in first..<members.count {
                if position > first { output.append(UInt8(ascii: ",")) }
                let range = members[position].output
                output.append(
                    contentsOf: UnsafeBufferPointer(
                        rebasing: moved[(range.lowerBound - bodyStart)..<(range.upperBound - bodyStart)]))
            }
        }
    }

    private static func compare(_ left: Range<Int>, _ right: Range<Int>, in names: UnsafeRawBufferPointer) -> Int {
        let shared = min(left.count, right.count)
        for offset in 0..<shared {
            let a = names[left.lowerBound + offset]
            let b = names[right.lowerBound + offset]
            if a != b { return a < b ? -1 : 1 }
        }
        return left.count - right.count
    }

    private static var duplicate: InvalidEvent {
        InvalidEvent(.duplicateMember, "duplicate member name")
    }
}
