import Synchronization
import TirekCore

/// Paces WebSocket joins, so a reconnect storm (a school's router restarting, a server restart
/// with thousands of clients) is absorbed at a rate the server sustains instead of all at once.
///
/// Two limits, each a token bucket:
/// - **server-wide**: `burst` joins at once, then `perSecond`. A refused client gets its own slot
///   in a virtual queue as its `retry_after_ms` hint, so a wave of 1,000 comes back spread at
///   exactly the admission rate rather than as a second wave;
/// - **per participant**: a client that reconnects in a loop is slowed down without touching others.
///
/// Pure: time comes in as milliseconds from a monotonic clock.
struct JoinPacer: Sendable {
    enum Decision: Equatable, Sendable {
        case admit
        /// The server is admitting a wave of joins; come back after this many milliseconds.
        case busy(retryAfterMs: Int64)
        /// This participant joined too often; come back after this many milliseconds.
        case tooOften(retryAfterMs: Int64)
    }

    let limits: ServerConfig.JoinLimits
    private var server: TokenBucket
    private var participants: [ParticipantKey: TokenBucket] = [:]
    /// The next free slot of the virtual queue handed to refused clients.
    private var nextSlotMs: Int64 = 0

    struct ParticipantKey: Hashable, Sendable {
        let lesson: LessonID
        let participant: ParticipantID
    }

    init(limits: ServerConfig.JoinLimits = .init(), now: Int64) {
        self.limits = limits
        server = TokenBucket(capacity: limits.burst, perSecond: limits.perSecond, now: now)
    }

    mutating func decide(_ key: ParticipantKey, now: Int64) -> Decision {
        var own = participants[key] ?? TokenBucket(capacity: limits.participantBurst, perSecond: 1 / limits.participantEverySeconds, now: now)
        let ownWait = own.wait(now: now)
        if ownWait > 0 { return .tooOften(retryAfterMs: ownWait) }
        if server.take(now: now) != nil {
            let spacing = max(1, Int64((1000 / limits.perSecond).rounded(.up)))
            let slot = max(nextSlotMs, now + server.wait(now: now))
            nextSlotMs = slot + spacing
            return .busy(retryAfterMs: slot - now)
        }
        _ = own.take(now: now)
        participants[key] = own
        if participants.count > 50_000 { forgetRefilled(now: now) }
        return .admit
    }

    private mutating func forgetRefilled(now: Int64) {
        for (key, var bucket) in participants where bucket.isFull(now: now) { participants[key] = nil }
    }
}

/// The server's shared `JoinPacer`, on a monotonic clock (lesson clocks may be virtual in tests).
final class JoinGate: Sendable {
    private let pacer: Mutex<JoinPacer>
    private let start = ContinuousClock.now

    init(limits: ServerConfig.JoinLimits) {
        pacer = Mutex(JoinPacer(limits: limits, now: 0))
    }

    func decide(lesson: LessonID, participant: ParticipantID) -> JoinPacer.Decision {
        let now = (ContinuousClock.now - start).milliseconds
        return pacer.withLock { $0.decide(.init(lesson: lesson, participant: participant), now: now) }
    }
}
