import JobStatus
import Testing

@testable import Relay

/// `dedup.ordering: field` (issue 15): the policy with an order on each side, reading the
/// member, and the timestamp spellings it accepts.
@Suite("Ordering by a field")
struct OrderFieldTests {
    static func state(_ bytes: String, _ status: Status, order: Int64?) -> PublishedState {
        PublishedState(status: status, canonicalBytes: Array(bytes.utf8), order: order)
    }

    static let field: OrderField = {
        guard let field = OrderField(path: "meta.sequence", kind: .integer, missing: .deadLetter) else {
            fatalError("meta.sequence is a valid path")
        }
        return field
    }()
    static let ordering = DedupOrdering.field(field)

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var last: PublishedState?
        var event: PublishedState
        var decision: DedupDecision
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "none: publish", last: nil, event: state("r", .running, order: 5), decision: .publish),
        Row(
            name: "same bytes: duplicate", last: state("r", .running, order: 5), event: state("r", .running, order: 5),
            decision: .drop(.duplicate)),
        Row(
            name: "older order: out_of_order", last: state("r1", .running, order: 5),
            event: state("r0", .running, order: 4), decision: .drop(.outOfOrder)),
        Row(
            name: "older order, higher rank: out_of_order", last: state("q", .queued, order: 5),
            event: state("d", .done, order: 4), decision: .drop(.outOfOrder)),
        Row(
            name: "newer order, same rank, other message: publish", last: state("r1", .running, order: 5),
            event: state("r2", .running, order: 6), decision: .publish),
        Row(
            name: "newer order, lower rank (re-queued): publish", last: state("r", .running, order: 5),
            event: state("q", .queued, order: 6), decision: .publish),
        Row(
            name: "terminal stays final, even against a newer order", last: state("d", .done, order: 5),
            event: state("r", .running, order: 9), decision: .drop(.afterTerminal)),
        Row(
            name: "equal order, lower rank: stale (lifecycle rules)", last: state("r", .running, order: 5),
            event: state("q", .queued, order: 5), decision: .drop(.stale)),
        Row(
            name: "equal order, higher rank: publish", last: state("q", .queued, order: 5),
            event: state("r", .running, order: 5), decision: .publish),
        Row(
            name: "event without an order: lifecycle rules (stale)", last: state("r", .running, order: 5),
            event: state("q", .queued, order: nil), decision: .drop(.stale)),
        Row(
            name: "last without an order: lifecycle rules (publish)", last: state("q", .queued, order: nil),
            event: state("r", .running, order: 1), decision: .publish),
        Row(
            name: "negative orders compare as numbers", last: state("r1", .running, order: -1),
            event: state("r2", .running, order: -2), decision: .drop(.outOfOrder)),
    ]

    @Test(arguments: rows)
    func decision(_ row: Row) {
        #expect(DedupPolicy.decide(last: row.last, event: row.event, ordering: Self.ordering) == row.decision)
    }

    @Test func lifecycleAndArrivalIgnoreTheOrder() {
        let last = Self.state("r1", .running, order: 5)
        let older = Self.state("r0", .running, order: 4)
        #expect(DedupPolicy.decide(last: last, event: older, ordering: .lifecycle) == .publish)
        #expect(DedupPolicy.decide(last: last, event: older, ordering: .arrival) == .publish)
    }

    static func event(_ json: String) throws -> JobStatus {
        try JobStatus.decode(Array(json.utf8))
    }

    @Test func theMemberIsReadAlongItsPath() throws {
        let status = try Self.event(#"{"job_id":"a","status":"RUNNING","status_msg":"","meta":{"sequence":42}}"#)
        #expect(try Self.field.position(of: status).get() == 42)
        let top = try #require(OrderField(path: "seq", kind: .integer, missing: .deadLetter))
        let flat = try Self.event(#"{"job_id":"a","status":"RUNNING","status_msg":"","seq":-7}"#)
        #expect(try top.position(of: flat).get() == -7)
    }

    @Test(arguments: [
        (#""meta":{}"#, InvalidReason.missingOrderField),
        (#""meta":7"#, .missingOrderField),
        (#""other":1"#, .missingOrderField),
        (#""meta":{"sequence":"7"}"#, .invalidOrderField),
        (#""meta":{"sequence":1.5}"#, .invalidOrderField),
        (#""meta":{"sequence":null}"#, .invalidOrderField),
    ])
    func anEventWithoutAReadableValueGetsOneReason(members: String, reason: InvalidReason) throws {
        let status = try Self.event(#"{"job_id":"a","status":"RUNNING","status_msg":"","# + members + "}")
        let result = Self.field.position(of: status)
        guard case .failure(let error) = result else {
            Issue.record("expected \(reason), got \(result)")
            return
        }
        #expect(error.reason == reason)
        #expect(error.message.contains("meta.sequence"))
    }

    @Test func pathsNamingRequiredOrEmptyMembersAreRefused() {
        for path in ["", "job_id", "status.x", "status_msg", "a..b", ".a", "a."] {
            #expect(OrderField(path: path, kind: .integer, missing: .deadLetter) == nil, "\(path)")
        }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("1970-01-01T00:00:01.5Z", 1_500_000),
        ("2026-11-26T16:41:08.123456+00:00", 1_795_711_268_123_456),
        ("2026-11-26T16:41:08.123456789Z", 1_795_711_268_123_456),
        ("2026-11-26 16:41:08.123456", 1_795_711_268_123_456),
        ("2026-11-26T17:41:08.123456+01:00", 1_795_711_268_123_456),
        ("2026-11-26T11:11:08.123456-0530", 1_795_711_268_123_456),
        ("2026-11-26T16:41Z", 1_795_711_260_000_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000),
        ("1969-12-31T23:59:59Z", -1_000_000),
        ("2000-03-01T00:00:00,25Z", 951_868_800_250_000),
    ])
    func isoTimestampsBecomeEpochMicroseconds(text: String, micros: Int64) {
        #expect(EventTimestamp.microseconds(iso8601: text) == micros)
    }

    @Test func badTimestampsAreRefused() {
        for text in [
            "", "2026-11-26", "2026-13-01T00:00Z", "2026-02-29T00:00Z", "2026-11-26T24:00Z", "2026-11-26T10:60Z",
            "2026-11-26T10:00:61Z", "2026-11-26T10:00:00.Z", "2026-11-26T10:00:00+25:00", "2026-11-26T10:00:00 Z",
            "26-11-26T10:00Z", "2026-11-26T10:00:00Zjunk", "２026-11-26T10:00Z",
        ] {
            #expect(EventTimestamp.microseconds(iso8601: text) == nil, "\(text)")
        }
    }

    @Test func timestampsOrderEpochSecondsAndStringsAlike() throws {
        let field = try #require(OrderField(path: "at", kind: .timestamp, missing: .deadLetter))
        let iso = try Self.event(#"{"job_id":"a","status":"DONE","status_msg":"","at":"2026-11-26T16:41:08.5Z"}"#)
        let epoch = try Self.event(#"{"job_id":"a","status":"DONE","status_msg":"","at":1795711268.5}"#)
        #expect(try field.position(of: iso).get() == 1_795_711_268_500_000)
        #expect(try field.position(of: epoch).get() == 1_795_711_268_500_000)
        let huge = try Self.event(#"{"job_id":"a","status":"DONE","status_msg":"","at":1e300}"#)
        #expect(throws: InvalidEvent.self) { try field.position(of: huge).get() }
    }

    /// What the relay's classifier makes of it: a dead letter, or the lifecycle rules.
    @Test func theMissingPolicyDeadLettersOrFallsBackToArrival() throws {
        let status = try Self.event(#"{"job_id":"a","status":"QUEUED","status_msg":""}"#)
        var table = DedupTable()
        table.restore("a", Self.state("r", .running, order: 3))
        let strict = RecordClassifier(decoding: .default, ordering: Self.ordering, keyMismatch: .warn)
        guard
            case .deadLetter(let error) = strict.judge(strict.decoded(status), key: nil, table: table, pending: .init())
                .outcome
        else {
            Issue.record("expected a dead letter")
            return
        }
        #expect(error.reason == .missingOrderField)
        let lenient = RecordClassifier(
            decoding: .default,
            ordering: .field(try #require(OrderField(path: "meta.sequence", kind: .integer, missing: .arrival))),
            keyMismatch: .warn)
        guard
            case .drop(let reason) = lenient.judge(lenient.decoded(status), key: nil, table: table, pending: .init())
                .outcome
        else {
            Issue.record("expected a drop by the lifecycle rules")
            return
        }
        #expect(reason == .stale)
    }

    /// Restore rebuilds the order from the output record's own member.
    @Test func restoreReadsTheOrderBackFromTheCanonicalRecord() throws {
        let status = try Self.event(#"{"job_id":"a","status":"RUNNING","status_msg":"","meta":{"sequence":9}}"#)
        let restored = PublishedState(restoring: status.canonicalBytes(), ordering: Self.ordering)
        #expect(restored.order == 9)
        #expect(restored.rank == 2)
        #expect(PublishedState(restoring: status.canonicalBytes(), ordering: .lifecycle).order == nil)
    }
}
