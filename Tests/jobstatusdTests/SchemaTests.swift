import Foundation
import JobStatus
import Relay
import Testing

/// The schemas in schemas/ are the contract for downstream readers; they must name exactly
/// what the code writes. (Every record of the chaos runs is validated against them.)
@Suite("Schemas")
struct SchemaTests {
    static func schema(_ name: String) throws -> [String: Any] {
        let path = OperationsTests.repository + "/schemas/" + name
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func enumeration(_ schema: [String: Any], _ property: String) -> [String] {
        let properties = schema["properties"] as? [String: Any]
        return ((properties?[property] as? [String: Any])?["enum"] as? [String]) ?? []
    }

    @Test func theOutputSchemaNamesQiskitsStatusesAndTheRequiredMembers() throws {
        let schema = try Self.schema("job-status.schema.json")
        #expect(Self.enumeration(schema, "status") == Status.known.map(\.name))
        #expect((schema["required"] as? [String]) == ["job_id", "status", "status_msg"])
    }

    @Test func theDeadLetterSchemaNamesEveryReasonAndHeader() throws {
        let schema = try Self.schema("dead-letter.schema.json")
        #expect(Set(Self.enumeration(schema, "jobstatusd.error.reason")) == Set(InvalidReason.all.map(\.code)))
        let properties = Set((schema["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
        let headers: Set = [
            DeadLetter.Header.reason, DeadLetter.Header.message, DeadLetter.Header.sourceTopic,
            DeadLetter.Header.sourcePartition, DeadLetter.Header.sourceOffset, DeadLetter.Header.valueOmitted,
            RepartitionRecord.Header.originTopic, RepartitionRecord.Header.originPartition,
            RepartitionRecord.Header.originOffset, RepartitionRecord.Header.originTimestamp,
        ]
        #expect(properties == headers)
    }
}
