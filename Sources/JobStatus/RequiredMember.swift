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

    private static func equal(_ name: UnsafeRawBufferPointer, _ expected: StaticString) -> Bool {
        let pointer = expected.utf8Start
        for offset in 0..<name.count where name[offset] != pointer[offset] {
            return false
        }
        return true
    }
}
