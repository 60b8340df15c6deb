/// A job's status: one of qiskit's `JobStatus` names, or (when unknown
/// statuses are passed through) any other name.
///
/// Input is matched case-insensitively after trimming whitespace and always
/// written canonically in upper case. Known statuses have a lifecycle
/// ``rank`` (DESIGN.md section 2) that deduplication uses to drop stale,
/// out-of-order regressions; unknown ones have none.
public struct Status: Hashable, Sendable, CustomStringConvertible {
    /// The canonical (upper-case) name, as written to the output topic.
    public let name: String
    /// The lifecycle rank: INITIALIZING 0; QUEUED, VALIDATING 1; RUNNING 2;
    /// DONE, CANCELLED, ERROR 3. `nil` for unknown statuses.
    public let rank: Int?

    private init(known name: String, rank: Int) {
        self.name = name
        self.rank = rank
    }

    private init(unknown name: String) {
        self.name = name
        self.rank = nil
    }

    /// INITIALIZING (rank 0): the job is being set up.
    public static let initializing = Status(known: "INITIALIZING", rank: 0)
    /// QUEUED (rank 1): the job waits for its turn.
    public static let queued = Status(known: "QUEUED", rank: 1)
    /// VALIDATING (rank 1, as QUEUED): the job is being checked before it runs.
    public static let validating = Status(known: "VALIDATING", rank: 1)
    /// RUNNING (rank 2): the job is running.
    public static let running = Status(known: "RUNNING", rank: 2)
    /// CANCELLED (rank 3, terminal): the job was cancelled.
    public static let cancelled = Status(known: "CANCELLED", rank: 3)
    /// DONE (rank 3, terminal): the job finished.
    public static let done = Status(known: "DONE", rank: 3)
    /// ERROR (rank 3, terminal): the job failed.
    public static let error = Status(known: "ERROR", rank: 3)

    /// qiskit's seven statuses, in lifecycle order.
    public static let known: [Status] = [.initializing, .queued, .validating, .running, .cancelled, .done, .error]

    /// Whether the status is final: DONE, CANCELLED or ERROR. Nothing replaces a terminal status.
    public var isTerminal: Bool { rank == 3 }

    /// Whether this is one of qiskit's seven statuses.
    public var isKnown: Bool { rank != nil }

    /// The canonical ``name``.
    public var description: String { name }

    /// The known status matching `text` (trimmed, any case), or `nil`.
    public init?(_ text: String) {
        // The usual spelling (canonical upper case, no spaces) needs no trimming or case folding.
        if let status = Self.known.first(where: { $0.name == text }) {
            self = status
            return
        }
        let trimmed = Self.trimmed(text)
        guard let status = Self.known.first(where: { Self.equalsIgnoringASCIICase($0.name, trimmed) }) else {
            return nil
        }
        self = status
    }

    /// The known status that `letters` (ASCII letters only) names in any case, or `nil`: what
    /// ``init(_:)`` gives for such text, read from bytes with no `String` made.
    init?(asciiLetters letters: UnsafeRawBufferPointer) {
        guard letters.count >= 4, letters.count <= 12 else { return nil }
        let folded = Self.packUppercase(letters)
        guard let position = Self.packedNames.firstIndex(where: { $0 == folded }) else { return nil }
        self = Self.known[position]
    }

    /// Up to 12 bytes in two words, upper-cased by clearing bit 5 (right for ASCII letters), and
    /// the length: equal packs are equal names.
    private static func packUppercase(_ letters: UnsafeRawBufferPointer) -> PackedName {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, byte) in letters.enumerated() {
            if offset < 8 {
                high = high << 8 | UInt64(byte & ~0x20)
            } else {
                low = low << 8 | UInt64(byte & ~0x20)
            }
        }
        return PackedName(high: high, low: low, length: letters.count)
    }

    private struct PackedName: Equatable {
        var high: UInt64
        var low: UInt64
        var length: Int
    }

    /// ``known``'s names, packed as ``packUppercase(_:)`` packs them, in the same order.
    private static let packedNames: [PackedName] = known.map { status in
        var name = status.name
        return name.withUTF8 { packUppercase(UnsafeRawBufferPointer($0)) }
    }

    /// The status for `text`: known if it matches one, else an unknown status
    /// named by `text` trimmed and upper-cased.
    public init(passingUnknown text: String) {
        if let status = Status(text) {
            self = status
        } else {
            self.init(unknown: String(Self.trimmed(text)).uppercased())
        }
    }

    private static func trimmed(_ text: String) -> Substring {
        // ASCII text is trimmed by its bytes: Character.isWhitespace looks up Unicode properties
        // per character (a hundredth of the relay's CPU in issue 26's profile), and for ASCII
        // it holds for exactly these bytes (tab, line feed, vertical tab, form feed, return, space).
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0D).contains($0) }
            guard let first = utf8.firstIndex(where: { !isSpace($0) }),
                let last = utf8.lastIndex(where: { !isSpace($0) })
            else { return "" }
            return text[first...last]
        }
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
            let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return text[first...last]
    }

    private static func equalsIgnoringASCIICase(_ upper: String, _ candidate: Substring) -> Bool {
        guard upper.utf8.count == candidate.utf8.count else { return false }
        return zip(upper.utf8, candidate.utf8).allSatisfy { expected, byte in
            let folded = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 0x20 : byte
            return folded == expected
        }
    }
}
