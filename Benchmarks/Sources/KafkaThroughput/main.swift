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
let rounds = 5
var rows: [(String, Double, Double)] = []
for round in 1...rounds {
    let rawConsume = await time { _ = fixture.rawConsume() }
    let swiftConsume = try await time { _ = try await fixture.swiftConsume() }
    let rawProduce = await time { fixture.rawProduce(topic: "bench-produce-raw", count: records) }
    let swiftProduce = try await time { try await fixture.swiftProduce(count: records) }
    print(
        "round \(round): consume raw \(rawConsume)s swift \(swiftConsume)s; produce raw \(rawProduce)s swift \(swiftProduce)s"
    )
    rows.append(("consume", rawConsume, swiftConsume))
    rows.append(("produce", rawProduce, swiftProduce))
}
// Each round times both paths back to back, so a ratio per round cancels most of the
// machine's drift; the median of those ratios is the figure.
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
for kind in ["consume", "produce"] {
    let pairs = rows.filter { $0.0 == kind }
    let ratio = median(pairs.map { $0.1 / $0.2 })
    let raw = median(pairs.map(\.1))
    let swift = median(pairs.map(\.2))
    print(
        String(
            format:
                "%@: Kafka layer at %.2f of raw librdkafka's speed (median of %d paired rounds; medians %.3f s vs %.3f s, %d records, %.0f records/s)",
            kind, ratio, rounds, swift, raw, records, Double(records) / swift))
}
