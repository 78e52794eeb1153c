import Synchronization
import TirekCore
import TirekProtocol

/// One open WebSocket of one participant. A participant may have several (reconnects, two devices).
@_spi(Benchmarks) public final class LiveConnection: Sendable, Hashable {
    public let id: UInt64
    public let claims: JoinClaims
    public let outbound: Outbound
    let openedAt: Instant
    /// `MediaPreferences` as bits (1: audio only, 2: low bandwidth): the fan-out reads them for every
    /// subscriber and frame, so an atomic load rather than a lock.
    private let prefs = Atomic<UInt8>(0)
    /// When the session saw the socket end (lesson ms; 0 while open). Attendance counts the leave
    /// from then, not from when a busy room got to it.
    private let closedMillis = Atomic<Int64>(0)

    /// Built once: broadcasts read it for every connection.
    let participant: Participant

    public init(id: UInt64, claims: JoinClaims, openedAt: Instant, budget: SubscriberQueue.Budget) {
        self.id = id
        self.claims = claims
        participant = claims.participant
        self.openedAt = openedAt
        outbound = Outbound(budget: budget)
    }

    public var mediaPreferences: MediaPreferences {
        get {
            let bits = prefs.load(ordering: .relaxed)
            return MediaPreferences(audioOnly: bits & 1 != 0, lowBandwidth: bits & 2 != 0)
        }
        set { prefs.store((newValue.audioOnly ? 1 : 0) | (newValue.lowBandwidth ? 2 : 0), ordering: .relaxed) }
    }

    /// Notes the instant the socket ended; the first call wins.
    func markClosed(at instant: Instant) {
        _ = closedMillis.compareExchange(expected: 0, desired: instant.millis, ordering: .relaxed)
    }

    var closedAt: Instant? {
        let ms = closedMillis.load(ordering: .relaxed)
        return ms == 0 ? nil : Instant(millis: ms)
    }

    public static func == (a: LiveConnection, b: LiveConnection) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }

    private static let counter = Atomic<UInt64>(0)
    public static func nextID() -> UInt64 { counter.wrappingAdd(1, ordering: .relaxed).newValue }
}
