import Testing

@testable import Relay

/// The retention sweep's schedule and cut-offs, on their own; `FinishedRetentionTests` runs them
/// against a broker.
@Suite("Retention sweep")
struct RetentionSweepTests {
    static func sweep(retention: Duration, limit: Int = 10, at now: ContinuousClock.Instant) -> RetentionSweep {
        RetentionSweep(retention: retention, horizon: .seconds(600), limit: limit, now: now)
    }

    @Test func theTableIsScannedEveryHundredthOfTheRetentionBetween1And60Seconds() {
        let now = ContinuousClock.now
        #expect(Self.sweep(retention: .seconds(10), at: now).interval == .seconds(1))
        #expect(Self.sweep(retention: .seconds(3000), at: now).interval == .seconds(30))
        #expect(Self.sweep(retention: .seconds(86_400 * 7), at: now).interval == .seconds(60))
    }

    @Test func aScanIsDueAtOnceThenAfterTheIntervalABacklogAtOnce() {
        let start = ContinuousClock.now
        var sweep = Self.sweep(retention: .seconds(3000), limit: 10, at: start)
        #expect(sweep.isDue(at: start), "the first scan comes at once")
        sweep.swept(found: 3, at: start)
        #expect(!sweep.isDue(at: start + .seconds(29)) && sweep.isDue(at: start + .seconds(30)))
        sweep.swept(found: 10, at: start + .seconds(30))
        #expect(sweep.isDue(at: start + .seconds(30)), "a full scan leaves a backlog: swept again at once")
        sweep.postpone(from: start + .seconds(31))
        #expect(!sweep.isDue(at: start + .seconds(60)) && sweep.isDue(at: start + .seconds(61)))
    }

    @Test func theCutOffsAreTheRetentionAndTheHorizonBeforeNow() {
        let sweep = Self.sweep(retention: .seconds(3), at: .now)
        #expect(sweep.retentionCutoff(now: 10_000) == 7_000)
        #expect(sweep.horizonCutoff(now: 1_000_000) == 400_000)
    }

    @Test func aLimitBelowOneFindsOneJobAtATime() {
        let now = ContinuousClock.now
        var sweep = Self.sweep(retention: .seconds(100), limit: 0, at: now)
        #expect(sweep.limit == 1)
        sweep.swept(found: 1, at: now)
        #expect(sweep.isDue(at: now))
    }
}
