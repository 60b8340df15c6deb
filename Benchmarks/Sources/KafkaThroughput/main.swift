import Foundation
import KafkaFixture

/// The Kafka layer against librdkafka, timed without the benchmark harness
/// (ordo-one/benchmark's runtime hooks crash Swift 6.3 on Linux without an
/// interposer this machine lacks). Same mock cluster, same records, same run.
func time(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

let fixture = Fixture.shared
var rows: [(String, Double, Double)] = []
for round in 1...3 {
    let rawConsume = await time { _ = fixture.rawConsume() }
    let swiftConsume = try await time { _ = try await fixture.swiftConsume() }
    let rawProduce = await time { fixture.rawProduce(topic: "bench-produce-raw", count: records) }
    let swiftProduce = try await time { try await fixture.swiftProduce(count: records) }
    print("round \(round): consume raw \(rawConsume)s swift \(swiftConsume)s; produce raw \(rawProduce)s swift \(swiftProduce)s")
    rows.append(("consume", rawConsume, swiftConsume))
    rows.append(("produce", rawProduce, swiftProduce))
}
for kind in ["consume", "produce"] {
    let raw = rows.filter { $0.0 == kind }.map(\.1).sorted()[1]
    let swift = rows.filter { $0.0 == kind }.map(\.2).sorted()[1]
    print(String(format: "%@: Kafka layer at %.2f of raw librdkafka's speed (median of 3: %.3f s vs %.3f s, %d records, %.0f records/s)",
        kind, raw / swift, swift, raw, records, Double(records) / swift))
}
