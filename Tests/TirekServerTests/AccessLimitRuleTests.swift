import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// The pure rules behind join pacing, failed-login limits and origin checks.
@Suite struct AccessLimitRuleTests {
    @Test func tokenBucketRefillsAtItsRateUpToCapacity() {
        var bucket = TokenBucket(capacity: 2, perSecond: 4, now: 0)
        let taken = [bucket.take(now: 0), bucket.take(now: 0), bucket.take(now: 0), bucket.take(now: 100), bucket.take(now: 250)]
        #expect(taken == [nil, nil, 250, 150, nil], "two at once, then one every 250 ms")
        let fullAt250 = bucket.isFull(now: 250)
        let fullLater = bucket.isFull(now: 10_000)
        #expect(!fullAt250 && fullLater)
        #expect(bucket.tokens == 2, "never more than capacity")
    }

    static func key(_ p: String) -> JoinPacer.ParticipantKey { .init(lesson: "L", participant: ParticipantID(rawValue: p)) }

    @Test func aStormIsAdmittedUpToTheBurstAndTheRestGetsDistinctSlotsAtTheRate() {
        var limits = ServerConfig.JoinLimits()
        limits.burst = 100
        limits.perSecond = 200
        var pacer = JoinPacer(limits: limits, now: 0)
        var hints: [Int64] = []
        for i in 0..<1000 {
            switch pacer.decide(Self.key("s\(i)"), now: 0) {
            case .admit: #expect(i < 100)
            case .busy(let ms): hints.append(ms)
            case .tooOften: Issue.record("nobody joined twice")
            }
        }
        #expect(hints.count == 900)
        #expect(hints == hints.sorted() && Set(hints).count == 900, "each refused client gets its own slot")
        #expect(hints.first == 5 && hints.last! >= 4_500 && hints.last! <= 4_510, "spread at 200/s: 900 in about 4.5 s")

        // Everyone comes back at their hint and is admitted.
        var admitted = 0
        for (i, hint) in hints.enumerated() {
            if pacer.decide(Self.key("s\(i + 100)"), now: hint) == .admit { admitted += 1 }
        }
        #expect(admitted >= 895, "clients returning at their hints are admitted (\(admitted)/900)")
    }

    @Test func aParticipantReconnectingInALoopIsSlowedWithoutTouchingOthers() {
        var pacer = JoinPacer(now: 0)
        let first = (0..<10).map { _ in pacer.decide(Self.key("looping"), now: 0) }
        #expect(first == Array(repeating: .admit, count: 10))
        let eleventh = pacer.decide(Self.key("looping"), now: 0)
        let other = pacer.decide(Self.key("other"), now: 0)
        let later = pacer.decide(Self.key("looping"), now: 3_000)
        #expect(eleventh == .tooOften(retryAfterMs: 3_000))
        #expect(other == .admit)
        #expect(later == .admit)
    }

    @Test func failedAdminKeysAreLimitedPerAddress() {
        let limiter = FailureLimiter(burst: 3, everySeconds: 60)
        #expect(limiter.wait("10.0.0.1") == nil)
        for _ in 0..<3 { limiter.record("10.0.0.1") }
        let wait = limiter.wait("10.0.0.1")
        #expect(wait != nil && wait! > 59_000 && wait! <= 60_000)
        #expect(limiter.wait("10.0.0.2") == nil, "another address is not affected")
    }

    @Test func originsFromOtherSitesAreRefused() {
        let policy = OriginPolicy(publicURL: "https://tirek.school.kz", allowed: ["https://portal.edu.kz/"])
        #expect(policy.admits(origin: nil, host: "tirek.school.kz"), "native clients send no Origin")
        #expect(policy.admits(origin: "ws://127.0.0.1", host: "127.0.0.1:8080"), "a ws: origin is not a browser page")
        #expect(policy.admits(origin: "https://tirek.school.kz", host: "10.0.0.5:8080"), "the public URL behind a proxy")
        #expect(policy.admits(origin: "HTTPS://Portal.edu.kz", host: "x"), "configured, case-insensitive")
        #expect(policy.admits(origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080"), "same origin")
        #expect(!policy.admits(origin: "http://127.0.0.1:9999", host: "127.0.0.1:8080"))
        #expect(!policy.admits(origin: "https://evil.example", host: "tirek.school.kz"))
        #expect(!policy.admits(origin: "null", host: "tirek.school.kz"), "local files and sandboxed frames")
        #expect(OriginPolicy(publicURL: "http://x", allowed: ["*"]).admits(origin: "https://any.where", host: "x"))
    }
}
