// libFuzzer target for the decoder: the strict parser, fromDict, the RFC 8785 encoder and the
// relay's restore decoding. Compiled into the JobStatus module by scripts/fuzz
// (swiftc -sanitize=fuzzer,address), so it sees the same code the daemon runs.
//
// Invariants checked on every input (a violation traps, which libFuzzer reports with the input):
// - decoding never crashes or hangs; an invalid input gets exactly one reason, from InvalidReason.all;
// - canonical bytes of a valid event decode again (as the restore reads them back), to an equal
//   event, and re-encode to the same bytes;
// - the restore decoding (wider limits) accepts everything the default decoding accepts, with the
//   same canonical bytes;
// - the relay's one-pass decoding (CanonicalEvent.decode, writing through unsafe buffers) gives
//   exactly the tree decoder's result: the same error, or the same job, status and canonical bytes;
//   and its one-pass path alone never accepts what the tree decoder refuses.

private let knownReasons = Set(InvalidReason.all.map(\.code))

@_cdecl("LLVMFuzzerTestOneInput")
public func decoderFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let decoded: JobStatus
    do {
        decoded = try JobStatus.decode(bytes, options: .default)
    } catch {
        precondition(knownReasons.contains(error.reason.code), "unknown reason \(error.reason.code)")
        precondition(!error.message.isEmpty, "a reason without a message")
        _ = try? JobStatus.decode(bytes, options: .restore)  // must not crash either
        precondition(
            (try? JSONParser.canonicalEvent(bytes, options: .default)) == nil, "one-pass accepts a refused event")
        do {
            _ = try CanonicalEvent.decode(bytes, options: .default)
            preconditionFailure("CanonicalEvent.decode accepts what the tree decoder refuses")
        } catch let oneError {
            precondition(oneError == error, "CanonicalEvent.decode gives another error")
        }
        return 0
    }
    let canonical = decoded.canonicalBytes()
    let event = try? CanonicalEvent.decode(bytes, options: .default)
    precondition(event == CanonicalEvent(decoded), "CanonicalEvent.decode gives another event")
    if let onePass = try? JSONParser.canonicalEvent(bytes, options: .default) {
        precondition(onePass == CanonicalEvent(decoded), "the one-pass path gives another event")
    }
    guard let again = try? JobStatus.decode(canonical, options: .restore) else {
        preconditionFailure("canonical bytes do not decode: \(String(decoding: canonical, as: UTF8.self))")
    }
    precondition(again == decoded, "canonical bytes decode to another event")
    precondition(again.canonicalBytes() == canonical, "canonical bytes are not a fixed point")
    guard let restored = try? JobStatus.decode(bytes, options: .restore) else {
        preconditionFailure("the restore decoding refuses what the default decoding accepts")
    }
    precondition(restored.canonicalBytes() == canonical, "restore decoding gives other canonical bytes")
    return 0
}
