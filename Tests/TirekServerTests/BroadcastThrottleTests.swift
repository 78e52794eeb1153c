import Testing
@testable import TirekServer

@Suite struct BroadcastThrottleTests {
    let t0 = ContinuousClock.now

    @Test func theFirstChangeGoesOutAtOnceAndABurstBecomesOneTrailingBroadcast() {
        var throttle = BroadcastThrottle<String>(interval: .milliseconds(250))
        do { let r = throttle.changed("p1", now: t0); #expect(r == .now) }
        do { let r = throttle.changed("p1", now: t0 + .milliseconds(10)); #expect(r == .later(t0 + .milliseconds(250))) }
        for ms in 20..<240 {
            do { let r = throttle.changed("p1", now: t0 + .milliseconds(ms)); #expect(r == .alreadyScheduled) }
        }
        do { let r = throttle.flush("p1", now: t0 + .milliseconds(250)); #expect(r) }
        do { let r = throttle.flush("p1", now: t0 + .milliseconds(251)); #expect(!r, "one trailing broadcast, not two") }
        do { let r = throttle.changed("p1", now: t0 + .milliseconds(300)); #expect(r == .later(t0 + .milliseconds(500))) }
        do { let r = throttle.changed("p1", now: t0 + .milliseconds(800)); #expect(r == .alreadyScheduled) }
    }

    @Test func keysAreThrottledApartAndAQuietViewGoesOutAtOnce() {
        var throttle = BroadcastThrottle<String>(interval: .milliseconds(250))
        do { let r = throttle.changed("p1", now: t0); #expect(r == .now) }
        do { let r = throttle.changed("p2", now: t0); #expect(r == .now) }
        do { let r = throttle.changed("p1", now: t0 + .milliseconds(400)); #expect(r == .now) }
    }

    @Test func aFinalBroadcastCancelsTheTrailingOne() {
        var throttle = BroadcastThrottle<String>(interval: .milliseconds(250))
        do { let r = throttle.changed("p1", now: t0); #expect(r == .now) }
        do { let r = throttle.changed("p1", now: t0 + .milliseconds(50)); #expect(r == .later(t0 + .milliseconds(250))) }
        throttle.sent("p1", now: t0 + .milliseconds(100))
        do { let r = throttle.flush("p1", now: t0 + .milliseconds(250)); #expect(!r) }
        do { let r = throttle.changed("p1", now: t0 + .milliseconds(200)); #expect(r == .later(t0 + .milliseconds(350))) }
    }
}
