import PropertyBased
import TestSupport
import Testing

@testable import JobStatus

/// Properties of canonicalization over random values (seeded: a failure names its seed).
@Suite("Canonicalization properties")
struct CanonicalPropertyTests {
    static let seeds = Gen.uint64(in: 0...UInt64.max)

    @Test func canonicalizationIsIdempotent() async {
        await propertyCheck(count: 500, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let once = CanonicalJSON.encode(RandomJSON.value(&rng))
            let reparsed = try JSONValue.parse(once)
            #expect(CanonicalJSON.encode(reparsed) == once)
        }
    }

    @Test func parsingCanonicalBytesGivesTheSameValue() async {
        await propertyCheck(count: 500, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let value = RandomJSON.value(&rng)
            let reparsed = try JSONValue.parse(CanonicalJSON.encode(value))
            #expect(reparsed == value)
        }
    }

    @Test func fromDictOfToDictIsIdentity() async {
        await propertyCheck(count: 500, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let status = RandomJSON.jobStatus(&rng)
            let fromDict = try JobStatus.fromDict(status.toDict())
            let decoded = try JobStatus.decode(status.canonicalBytes())
            #expect(fromDict == status)
            #expect(decoded == status)
        }
    }

    @Test func memberOrderWhitespaceAndSpellingNeverChangeTheBytes() async {
        await propertyCheck(count: 500, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let status = RandomJSON.jobStatus(&rng)
            let canonical = status.canonicalBytes()
            for _ in 0..<3 {
                let text =
                    RandomJSON.whitespace(&rng) + RandomJSON.render(.object(status.toDict()), &rng)
                    + RandomJSON.whitespace(&rng)
                let decoded = try JobStatus.decode(Array(text.utf8))
                #expect(decoded.canonicalBytes() == canonical, "\(text)")
            }
        }
    }

    @Test func statusSpellingNeverChangesTheBytes() async {
        await propertyCheck(count: 200, input: Self.seeds) { seed in
            var rng = SplitMix64(seed: seed)
            let status = RandomJSON.jobStatus(&rng)
            var dict = status.toDict()
            let spelled = status.status.name.map { Bool.random(using: &rng) ? $0.lowercased() : String($0) }.joined()
            dict["status"] = .string("  " + spelled + "\t")
            let respelled = try JobStatus.fromDict(dict)
            #expect(respelled.canonicalBytes() == status.canonicalBytes())
        }
    }
}
