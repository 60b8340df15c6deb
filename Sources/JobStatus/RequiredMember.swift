/// One of the three members ``JobStatus/fromDict(_:options:)`` requires, known by its name's bytes.
enum RequiredMember {
    case jobID, status, statusMessage

    /// Compared by length first and then by bytes: most names are none of the three.
    init?(name: UnsafeRawBufferPointer) {
        switch name.count {
        case 6 where Self.equal(name, "job_id"): self = .jobID
        case 6 where Self.equal(name, "status"): self = .status
        case 10 where Self.equal(name, "status_msg"): self = .statusMessage
        default: return nil
        }
    }

    /// The same, for a name whose first eight bytes (big-endian, zero-padded) are `prefix`: two
    /// of the names fit in it whole, so most names are told apart with no byte compared.
    init?(name: UnsafeRawBufferPointer, prefix: UInt64) {
        switch prefix {
        case Self.jobIDPrefix where name.count == 6: self = .jobID
        case Self.statusPrefix where name.count == 6: self = .status
        case Self.statusMessagePrefix
        where name.count == 10 && name[8] == UInt8(ascii: "s") && name[9] == UInt8(ascii: "g"):
            self = .statusMessage
        default: return nil
        }
    }

    private static let jobIDPrefix: UInt64 = 0x6A6F_625F_6964_0000  // "job_id"
    private static let statusPrefix: UInt64 = 0x7374_6174_7573_0000  // "status"
    private static let statusMessagePrefix: UInt64 = 0x7374_6174_7573_5F6D  // "status_m"

    private static func equal(_ name: UnsafeRawBufferPointer, _ expected: StaticString) -> Bool {
        let pointer = expected.utf8Start
        for offset in 0..<name.count where name[offset] != pointer[offset] {
            return false
        }
        return true
    }
}
