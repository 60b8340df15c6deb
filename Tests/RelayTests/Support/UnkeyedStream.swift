import Foundation
import JobStatus
import Kafka
import TestSupport

@testable import Relay

/// Input as producers that do not key by job_id send it (issue 24): null keys and keys of their
/// own, each record on a partition picked at random, the whole stream shuffled, so a job's
/// events arrive from several partitions in another order than they were produced. Each event
/// carries `seq`, its place in the job's life, for `dedup.ordering: field`; a retried send
/// repeats an event in another spelling. What the output must hold does not depend on arrival
/// order: every job ends at its highest `seq`, and its records rise in `seq`.
struct UnkeyedStream {
    var records: [KafkaOutgoingMessage] = []
    /// Per job, the canonical bytes of its highest-`seq` event.
    var finals: [String: String] = [:]
    /// Records the first stage dead-letters (they do not decode).
    var invalidCount = 0

    static let orderField = OrderField(path: "seq", kind: .integer, missing: .deadLetter)

    init(jobs: Int, seed: UInt64, topic: String, partitions: Int32) {
        var rng = SplitMix64(seed: seed)
        var values: [[UInt8]] = []
        for index in 0..<jobs {
            let jobID = "unkeyed-\(index)-\(rng.next() % 100_000)"
            let terminal = ["DONE", "ERROR", "CANCELLED"][Int(rng.next() % 3)]
            let steps = ["QUEUED", "VALIDATING", "RUNNING", "RUNNING", terminal]
            for (seq, status) in steps.enumerated() {
                let message = "\(status.lowercased()) step \(seq)"
                values.append(Self.render(jobID, status, message, seq: seq, spelling: 0))
                if rng.next() % 4 == 0 { values.append(Self.render(jobID, status, message, seq: seq, spelling: 1)) }
            }
            let final = Self.render(jobID, terminal, "\(terminal.lowercased()) step 4", seq: 4, spelling: 0)
            finals[jobID] = String(decoding: final.canonicalized, as: UTF8.self)
        }
        let invalid: [[UInt8]] = [
            Array(#"{"status":"RUNNING","status_msg":"no job_id"}"#.utf8),
            Array(#"{"job_id": 7, "status":"RUNNING","status_msg":"a number"}"#.utf8),
            Array("not json at all".utf8),
            Array(#"{"job_id":"unkeyed-no-status","status_msg":"no status","seq":1}"#.utf8),
        ]
        invalidCount = invalid.count
        values += invalid
        for index in values.indices.reversed() {  // Fisher-Yates: any order at all
            values.swapAt(index, Int(rng.next() % UInt64(index + 1)))
        }
        records = values.map { value in
            let key: [UInt8]? = rng.next() % 3 == 0 ? nil : Array("producer-\(rng.next() % 7)".utf8)
            return KafkaOutgoingMessage(
                topic: topic, partition: KafkaPartition(rawValue: Int32(rng.next() % UInt64(partitions))), key: key,
                value: value)
        }
        // A null value: counted as an input tombstone by the first stage, neither passed on nor dead-lettered.
        records.insert(
            KafkaOutgoingMessage(topic: topic, partition: 0, key: Array("producer-0".utf8), value: nil),
            at: Int(rng.next() % UInt64(records.count)))
    }

    /// One event; spelling 1 reorders the members and adds spaces (a retried send from another client).
    static func render(_ jobID: String, _ status: String, _ message: String, seq: Int, spelling: Int) -> [UInt8] {
        spelling == 0
            ? Array(#"{"job_id":"\#(jobID)","status":"\#(status)","status_msg":"\#(message)","seq":\#(seq)}"#.utf8)
            : Array(
                #"{ "seq": \#(seq), "status_msg": "\#(message)", "status": "\#(status)", "job_id": "\#(jobID)" }"#.utf8)
    }

    /// What is wrong with `output` (in partition order): a job missing, ending elsewhere than its
    /// highest `seq`, going back in `seq`, or holding one record twice. Empty when exact.
    func problems(in output: [KafkaMessage]) -> [String] {
        var perJob: [String: [(seq: Int64, bytes: String)]] = [:]
        for message in output.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            let jobID = String(decoding: message.key ?? [], as: UTF8.self)
            let bytes = message.value ?? []
            let seq = (try? JobStatus.decode(bytes)).flatMap { try? Self.orderField?.position(of: $0).get() } ?? -1
            perJob[jobID, default: []].append((seq, String(decoding: bytes, as: UTF8.self)))
        }
        var problems: [String] = []
        for (jobID, final) in finals.sorted(by: { $0.key < $1.key }) {
            guard let records = perJob[jobID] else {
                problems.append("\(jobID): nothing published")
                continue
            }
            if records.last?.bytes != final { problems.append("\(jobID): ends at \(records.last?.bytes ?? "")") }
            if zip(records, records.dropFirst()).contains(where: { $0.seq >= $1.seq }) {
                problems.append("\(jobID): seq not rising: \(records.map(\.seq))")
            }
        }
        let unexpected = Set(perJob.keys).subtracting(finals.keys)
        if !unexpected.isEmpty { problems.append("jobs never produced: \(unexpected.sorted())") }
        return problems
    }
}

extension Array where Element == UInt8 {
    fileprivate var canonicalized: [UInt8] {
        (try? JobStatus.decode(self).canonicalBytes()) ?? self
    }
}
