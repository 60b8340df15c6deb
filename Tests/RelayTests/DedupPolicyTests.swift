import JobStatus
import Testing

@testable import Relay

/// DESIGN.md section 2, row by row.
@Suite("Dedup policy")
struct DedupPolicyTests {
    static func state(_ bytes: String, _ status: Status) -> PublishedState {
        PublishedState(status: status, canonicalBytes: Array(bytes.utf8))
    }

    static let queued = state("q", .queued)
    static let running = state("r", .running)
    static let runningOtherDetails = state("r2", .running)
    static let validating = state("v", .validating)
    static let done = state("d", .done)
    static let error = state("e", .error)
    static let initializing = state("i", .initializing)
    static let paused = state("p", Status(passingUnknown: "paused"))

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var last: PublishedState?
        var event: PublishedState
        var lifecycle: DedupDecision
        var arrival: DedupDecision
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "none, any: publish", last: nil, event: running, lifecycle: .publish, arrival: .publish),
        Row(name: "none, terminal: publish", last: nil, event: done, lifecycle: .publish, arrival: .publish),
        Row(
            name: "same bytes: duplicate", last: running, event: running, lifecycle: .drop(.duplicate),
            arrival: .drop(.duplicate)),
        Row(
            name: "same terminal bytes: duplicate", last: done, event: done, lifecycle: .drop(.duplicate),
            arrival: .drop(.duplicate)),
        Row(
            name: "terminal, different: after_terminal", last: done, event: error, lifecycle: .drop(.afterTerminal),
            arrival: .publish),
        Row(
            name: "terminal, earlier status: after_terminal", last: done, event: running,
            lifecycle: .drop(.afterTerminal), arrival: .publish),
        Row(
            name: "terminal, unknown status: after_terminal", last: done, event: paused,
            lifecycle: .drop(.afterTerminal), arrival: .publish),
        Row(name: "lower rank: stale", last: running, event: queued, lifecycle: .drop(.stale), arrival: .publish),
        Row(
            name: "lower rank, initializing: stale", last: queued, event: initializing, lifecycle: .drop(.stale),
            arrival: .publish),
        Row(
            name: "same rank, different bytes: publish", last: running, event: runningOtherDetails, lifecycle: .publish,
            arrival: .publish),
        Row(
            name: "same rank, other status (queued -> validating): publish", last: queued, event: validating,
            lifecycle: .publish, arrival: .publish),
        Row(
            name: "same rank (validating -> queued): publish", last: validating, event: queued, lifecycle: .publish,
            arrival: .publish),
        Row(name: "higher rank: publish", last: queued, event: running, lifecycle: .publish, arrival: .publish),
        Row(name: "to terminal: publish", last: running, event: done, lifecycle: .publish, arrival: .publish),
        Row(
            name: "unknown after known: bytes only, publish", last: running, event: paused, lifecycle: .publish,
            arrival: .publish),
        Row(
            name: "known after unknown: bytes only, publish", last: paused, event: initializing, lifecycle: .publish,
            arrival: .publish),
        Row(
            name: "unknown duplicate: duplicate", last: paused, event: paused, lifecycle: .drop(.duplicate),
            arrival: .drop(.duplicate)),
    ]

    @Test(arguments: rows)
    func decision(_ row: Row) {
        #expect(DedupPolicy.decide(last: row.last, event: row.event, ordering: .lifecycle) == row.lifecycle)
        #expect(DedupPolicy.decide(last: row.last, event: row.event, ordering: .arrival) == row.arrival)
    }

    @Test func publishedStateKeepsRankAndTerminal() {
        #expect(Self.done.isTerminal)
        #expect(Self.done.rank == 3)
        #expect(!Self.running.isTerminal)
        #expect(Self.paused.rank == nil)
        #expect(Self.running.fingerprint == Fingerprint(of: Array("r".utf8)))
    }

    /// A transaction's changes are read over the table, and reach it only when applied.
    @Test func tablePendingChangesCommitOrDiscard() {
        var table = DedupTable()
        table.restore("a", Self.queued)
        var aborted = DedupTable.Pending()
        aborted.recordPublish("a", Self.running)
        aborted.recordPublish("b", Self.done)
        #expect(table["a", pending: aborted] == Self.running)
        #expect(table.committed("a") == Self.queued)
        #expect(table.committed("a") == Self.queued && table.committed("b") == nil, "dropped: the table never saw them")
        var committed = DedupTable.Pending()
        committed.recordPublish("b", Self.done)
        table.apply(committed)
        #expect(table.committed("b") == Self.done)
        #expect(table.count == 2)
    }

    @Test func murmur2MatchesTheJavaClient() {
        // librdkafka's unittest_murmur2 table (the Java client's results).
        #expect(Murmur2Partitioner.murmur2(UnsafeRawBufferPointer(start: nil, count: 0)) == 0x106E_08D9)
        let cases: [(String, UInt32)] = [
            ("kafka", 0xD067_CF64), ("giberish123456789", 0x8F55_2B0C), ("1234", 0x9FC9_7B14), ("234", 0xE7C0_09CA),
            ("34", 0x8739_30DA), ("4", 0x5A4B_5CA1), ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x7842_4F1C),
            ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x4A62_B377),
            ("eAmbleWillBeRemoved,ThePrePartThatIs", 0xE0E4_E09E),
            ("AmbleWillBeRemoved,ThePrePartThatIs", 0x62B8_B43F),
        ]
        for (key, expected) in cases {
            let hash = Array(key.utf8).withUnsafeBytes { Murmur2Partitioner.murmur2($0) }
            #expect(hash == expected, "\(key)")
        }
    }

    /// MurmurHash3_x64_128 against published values: SMHasher's verification code for the
    /// function (0x6384BA69: keys 0...255 bytes long, each hashed with seed 256 - length, the
    /// hashes hashed again with seed 0), a widely quoted seed-0 vector, and rows for the seed the
    /// fingerprint uses ("jobs") computed with the reference C code (Python `mmh3` 5.3.1,
    /// `mmh3.hash64(key, 0x6A6F6273, signed=False)` gives (high, low)). Lengths cover every tail
    /// case: empty, 1, under 8, 8 to 15, exactly one block, a block plus one.
    @Test func fingerprintIsMurmur3x64_128() {
        var key: [UInt8] = []
        var hashes: [UInt8] = []
        for length in 0..<256 {
            let (h1, h2) = key.withUnsafeBytes { MurmurHash3.hash128($0, seed: UInt32(256 - length)) }
            hashes +=
                withUnsafeBytes(of: h1.littleEndian, Array.init) + withUnsafeBytes(of: h2.littleEndian, Array.init)
            key.append(UInt8(length))
        }
        let (final, _) = hashes.withUnsafeBytes { MurmurHash3.hash128($0, seed: 0) }
        #expect(UInt32(truncatingIfNeeded: final) == 0x6384_BA69, "SMHasher's verification code")

        let fox = Array("The quick brown fox jumps over the lazy dog".utf8)
        let (foxHigh, foxLow) = fox.withUnsafeBytes { MurmurHash3.hash128($0, seed: 0) }
        #expect(foxHigh == 0xE34B_BC7B_BC07_1B6C && foxLow == 0x7A43_3CA9_C49A_9347)

        let rows: [(key: [UInt8], high: UInt64, low: UInt64)] = [
            ([], 0x5603_AA2E_A925_B352, 0x5683_4BE6_3C0E_5BEC),
            (Array("a".utf8), 0xFDAB_1E1E_2983_C1A2, 0x9406_24BB_8B64_D4B7),
            (Array("job".utf8), 0x0186_ACFE_A11B_EF00, 0x0EA0_44C2_3BA3_10B4),
            (Array("{\"job_id\":\"a\"}".utf8), 0xF53C_D820_D4AB_E668, 0x9D83_FB27_2DA4_D149),
            (Array("0123456789abcdef".utf8), 0xDF7E_5406_47B1_D00E, 0x6422_A40E_48F1_2253),
            (Array("0123456789abcdefg".utf8), 0x8292_8065_A694_69E5, 0xB0D1_3DD3_89A2_34C6),
            (fox, 0xAA53_EC2D_CE30_5F40, 0x49AD_F2A5_8DC4_142F),
            (Array(0..<31), 0xC197_5785_D665_3F02, 0x9DD9_C441_91F0_B149),
        ]
        for row in rows {
            let fingerprint = Fingerprint(of: row.key)
            #expect(
                fingerprint == Fingerprint(high: row.high, low: row.low),
                "\(row.key.count) bytes: \(String(fingerprint.high, radix: 16)) \(String(fingerprint.low, radix: 16))")
        }
    }
}
