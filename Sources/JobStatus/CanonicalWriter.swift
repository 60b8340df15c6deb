/// The output of the one-pass canonical path (``JSONParser/canonicalEvent(_:options:)``): the
/// canonical bytes written so far, where the members of each open object lie in them, and what
/// the event's required members said.
struct CanonicalWriter {
    /// One member of an object being written: its name's bytes in the input (ASCII, no escape,
    /// so byte order is UTF-16 order) and its `"name":value` bytes in ``output``.
    ///
    /// Offsets are 32-bit (``JSONParser/canonicalEvent(_:options:)`` takes no input that long),
    /// so that the members of ``memberCapacity`` fit in 1 KiB: what Swift allocates on the stack
    /// without asking (`withUnsafeTemporaryAllocation`), where 64 full-width members took a heap
    /// allocation for every event.
    struct Member {
        private var nameStart: Int32
        private var nameEnd: Int32
        /// The name's first eight bytes, big-endian, zero-padded: most names differ in them, and
        /// no name holds a zero byte, so comparing these compares the names when they differ.
        var prefix: UInt64
        private var outputStart: Int32
        private var outputEnd: Int32

        init(name: Range<Int>, prefix: UInt64, output: Range<Int>) {
            nameStart = Int32(truncatingIfNeeded: name.lowerBound)
            nameEnd = Int32(truncatingIfNeeded: name.upperBound)
            self.prefix = prefix
            outputStart = Int32(truncatingIfNeeded: output.lowerBound)
            outputEnd = Int32(truncatingIfNeeded: output.upperBound)
        }

        var name: Range<Int> { Int(nameStart)..<Int(nameEnd) }
        var output: Range<Int> { Int(outputStart)..<Int(outputEnd) }
    }

    /// The most members that objects still open may hold at once; an event with more goes to
    /// the tree decoder.
    static let memberCapacity = 42

    /// The longest input (and output) whose offsets ``Member`` holds.
    static let maxOffset = Int(Int32.max)

    /// Where the canonical bytes go: the result array's own storage, `output[0..<count]`.
    private let output: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0
    /// Set when a write did not fit in ``output``: the event then goes to the tree decoder.
    private(set) var overflowed = false
    /// The members of every object still open, innermost last: the first ``memberCount`` slots.
    private let members: UnsafeMutableBufferPointer<Member>
    private(set) var memberCount = 0
    let unknownStatus: DecodingOptions.UnknownStatusPolicy
    var jobID: String?
    var status: Status?
    var hasStatusMessage = false

    /// - Parameters:
    ///   - output: where the bytes go; a write that does not fit sets ``overflowed``.
    ///   - members: room for ``memberCapacity`` members.
    ///   Both stay valid while the writer is used.
    init(
        output: UnsafeMutableBufferPointer<UInt8>, members: UnsafeMutableBufferPointer<Member>,
        unknownStatus: DecodingOptions.UnknownStatusPolicy
    ) {
        self.output = output
        self.members = members
        self.unknownStatus = unknownStatus
    }

    /// Appends one byte.
    mutating func append(_ byte: UInt8) {
        guard count < output.count else {
            overflowed = true
            return
        }
        output[count] = byte
        count += 1
    }

    /// Appends `input[range]`.
    mutating func append(_ input: UnsafeRawBufferPointer, _ range: Range<Int>) {
        append(UnsafeBufferPointer(rebasing: input.assumingMemoryBound(to: UInt8.self)[range]))
    }

    /// Appends `bytes`.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= output.count - count, let source = bytes.baseAddress, let target = output.baseAddress
        else {
            overflowed = bytes.count > 0 || overflowed
            return
        }
        Self.copy(bytes.count, from: UnsafeRawPointer(source), to: UnsafeMutableRawPointer(target + count))
        count += bytes.count
    }

    /// Copies `count` bytes; names and short strings (up to 16 bytes) as two words that may
    /// overlap, which is cheaper than a call to `memcpy` or a loop over the bytes.
    @inline(__always)
    private static func copy(_ count: Int, from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer) {
        switch count {
        case 8...16:
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        case 0..<4:
            for offset in 0..<count {
                target.storeBytes(
                    of: source.load(fromByteOffset: offset, as: UInt8.self), toByteOffset: offset, as: UInt8.self)
            }
        default:
            target.copyMemory(from: source, byteCount: count)
        }
    }

    /// Appends `bytes` (what ``CanonicalJSON`` and ``ECMAScriptNumber`` wrote on the rare paths).
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Appends `text` as a canonical JSON string (``CanonicalJSON/appendString(_:to:)``), for
    /// the rarer paths: escaped strings and unknown status names.
    mutating func appendString(_ text: String) {
        var canonical: [UInt8] = []
        CanonicalJSON.appendString(text, to: &canonical)
        append(canonical)
    }

    /// Appends `text` in quotes: for text that needs no escape (a known status name).
    mutating func appendQuoted(plain text: String) {
        var text = text
        append(UInt8(ascii: "\""))
        text.withUTF8 { append($0) }
        append(UInt8(ascii: "\""))
    }

    /// Records a member of the innermost open object; throws when there is no room left.
    mutating func add(_ member: Member) throws(InvalidEvent) {
        guard memberCount < members.count else { throw JSONParser.leftToTreeDecoder }
        members[memberCount] = member
        memberCount += 1
    }

    /// Puts the members of the object at `objectStart` (`first` up to ``memberCount``) in
    /// canonical order, then forgets them. Throws ``InvalidReason/duplicateMember`` for a repeated name.
    mutating func orderMembers(from first: Int, objectStart: Int, names: UnsafeRawBufferPointer) throws(InvalidEvent) {
        defer { memberCount = first }
        guard memberCount - first > 1 else { return }
        let object = UnsafeMutableBufferPointer(rebasing: members[first..<memberCount])
        var isSorted = true
        for position in 1..<object.count {
            let order = Self.compare(object[position - 1], object[position], in: names)
            if order == 0 { throw Self.duplicate }
            if order > 0 { isSorted = false }
        }
        if isSorted { return }
        Self.insertionSort(object, names: names)
        for position in 1..<object.count where Self.compare(object[position - 1], object[position], in: names) == 0 {
            throw Self.duplicate
        }
        rewrite(object, objectStart: objectStart)
    }

    /// Writes the object's members again, in the order `object` now has.
    private mutating func rewrite(_ object: UnsafeMutableBufferPointer<Member>, objectStart: Int) {
        let bodyStart = objectStart + 1  // after '{'
        let body = UnsafeBufferPointer(rebasing: output[bodyStart..<count])
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: body.count) { moved in
            _ = moved.initialize(fromContentsOf: body)
            count = bodyStart
            for (position, member) in object.enumerated() {
                if position > 0 { append(UInt8(ascii: ",")) }
                let range = (member.output.lowerBound - bodyStart)..<(member.output.upperBound - bodyStart)
                append(UnsafeBufferPointer(rebasing: moved[range]))
            }
        }
    }

    /// Sorts an object's members by name: objects are small (an event has a handful of members),
    /// where an insertion sort beats the standard library's general sort and its closure.
    private static func insertionSort(_ object: UnsafeMutableBufferPointer<Member>, names: UnsafeRawBufferPointer) {
        for position in 1..<object.count {
            let member = object[position]
            var slot = position
            while slot > 0, compare(object[slot - 1], member, in: names) > 0 {
                object[slot] = object[slot - 1]
                slot -= 1
            }
            object[slot] = member
        }
    }

    private static func compare(_ left: Member, _ right: Member, in names: UnsafeRawBufferPointer) -> Int {
        if left.prefix != right.prefix { return left.prefix < right.prefix ? -1 : 1 }
        return compare(left.name, right.name, in: names)
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
