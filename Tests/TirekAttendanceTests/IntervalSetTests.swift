import Testing
import TirekCore
@testable import TirekAttendance

private func i(_ a: Int64, _ b: Int64) -> Interval { Interval(Instant(millis: a), Instant(millis: b)) }
private func set(_ pairs: (Int64, Int64)...) -> IntervalSet { IntervalSet(pairs.map { i($0.0, $0.1) }) }

@Suite("IntervalSet")
struct IntervalSetTests {
    @Test func normalisesOverlappingAdjacentAndEmptyIntervals() {
        let s = set((10, 20), (5, 12), (20, 25), (30, 30), (40, 35), (50, 60))
        #expect(s.intervals == [i(5, 25), i(50, 60)])
        #expect(s.duration == Millis(30))
        #expect(s.first == Instant(millis: 5))
        #expect(s.last == Instant(millis: 60))
    }

    @Test func containsIsHalfOpen() {
        let s = set((0, 10), (20, 30))
        #expect(s.contains(Instant(millis: 0)))
        #expect(s.contains(Instant(millis: 9)))
        #expect(!s.contains(Instant(millis: 10)))
        #expect(!s.contains(Instant(millis: 15)))
        #expect(s.contains(Instant(millis: 20)))
        #expect(!s.contains(Instant(millis: 30)))
        #expect(!s.contains(Instant(millis: -1)))
        #expect(!IntervalSet.empty.contains(Instant(millis: 0)))
    }

    @Test func intersectionAndSubtraction() {
        let a = set((0, 10), (20, 30), (40, 50))
        let b = set((5, 25), (45, 100))
        #expect(a.intersection(b).intervals == [i(5, 10), i(20, 25), i(45, 50)])
        #expect(a.subtracting(b).intervals == [i(0, 5), i(25, 30), i(40, 45)])
        #expect(b.subtracting(a).intervals == [i(10, 20), i(50, 100)])
        #expect(a.union(b).intervals == [i(0, 30), i(40, 100)])
        #expect(a.complement(within: i(-5, 45)).intervals == [i(-5, 0), i(10, 20), i(30, 40)])
    }

    @Test func subtractingSplitsOneIntervalByManyHoles() {
        let a = set((0, 100))
        let holes = set((10, 20), (30, 40), (90, 150))
        #expect(a.subtracting(holes).intervals == [i(0, 10), i(20, 30), i(40, 90)])
    }

    @Test func bridgingGapsFillsOnlyShortGaps() {
        let s = set((0, 10), (12, 20), (30, 40))
        #expect(s.bridgingGaps(upTo: Millis(2)).intervals == [i(0, 20), i(30, 40)])
        #expect(s.bridgingGaps(upTo: .zero) == s)
        #expect(s.bridgingGaps(upTo: Millis(10)).intervals == [i(0, 40)])
    }

    @Test func codableRoundTripRenormalises() throws {
        let s = set((0, 10), (20, 30))
        let decoded = try roundTrip(s)
        #expect(decoded == s)
    }

    // MARK: - Laws, on random sets checked against brute-force membership

    private func randomSet(_ rng: inout SplitMix64) -> IntervalSet {
        let count = Int.random(in: 0...6, using: &rng)
        return IntervalSet((0..<count).map { _ in
            let a = Int64.random(in: 0...60, using: &rng)
            return i(a, a + Int64.random(in: -3...15, using: &rng))
        })
    }

    private func members(_ s: IntervalSet) -> Set<Int64> {
        Set((-5...80).filter { s.contains(Instant(millis: $0)) })
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func setLaws(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<300 {
            let a = randomSet(&rng)
            let b = randomSet(&rng)
            let c = randomSet(&rng)
            // Agreement with brute-force membership (on integer points, which determine these sets).
            #expect(members(a.union(b)) == members(a).union(members(b)))
            #expect(members(a.intersection(b)) == members(a).intersection(members(b)))
            #expect(members(a.subtracting(b)) == members(a).subtracting(members(b)))
            #expect(a.duration.value == Int64(members(a).count))
            // Algebra.
            #expect(a.union(b) == b.union(a))
            #expect(a.intersection(b) == b.intersection(a))
            #expect(a.union(b).union(c) == a.union(b.union(c)))
            #expect(a.intersection(b).intersection(c) == a.intersection(b.intersection(c)))
            #expect(a.intersection(b.union(c)) == a.intersection(b).union(a.intersection(c)))
            #expect(a.union(a) == a && a.intersection(a) == a)
            #expect(a.union(b).duration + a.intersection(b).duration == a.duration + b.duration)
            #expect(a.subtracting(b).intersection(b).isEmpty)
            #expect(a.subtracting(b).union(a.intersection(b)) == a)
            // Invariant: sorted, non-empty, disjoint and non-adjacent.
            for s in [a, b, a.union(b), a.intersection(b), a.subtracting(b)] {
                for (x, y) in zip(s.intervals, s.intervals.dropFirst()) { #expect(x.end < y.start) }
                #expect(s.intervals.allSatisfy { !$0.isEmpty })
            }
        }
    }
}
