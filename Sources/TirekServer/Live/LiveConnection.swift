import Synchronization
import TirekCore
import TirekProtocol

/// One open WebSocket of one participant. A participant may have several (reconnects, two devices).
final class LiveConnection: Sendable, Hashable {
    let id: UInt64
    let claims: JoinClaims
    let outbound: Outbound
    let openedAt: Instant
    private let prefs = Mutex(MediaPreferences())
    /// When the write in progress began (uptime nanoseconds), 0 when no write is pending.
    let writeStartedAt = Atomic<UInt64>(0)

    var participant: Participant { claims.participant }

    init(id: UInt64, claims: JoinClaims, openedAt: Instant, budget: SubscriberQueue.Budget) {
        self.id = id
        self.claims = claims
        self.openedAt = openedAt
        outbound = Outbound(budget: budget)
    }

    var mediaPreferences: MediaPreferences {
        get { prefs.withLock { $0 } }
        set { prefs.withLock { $0 = newValue } }
    }

    static func == (a: LiveConnection, b: LiveConnection) -> Bool { a.id == b.id }
    func hash(into h: inout Hasher) { h.combine(id) }

    private static let counter = Atomic<UInt64>(0)
    static func nextID() -> UInt64 { counter.wrappingAdd(1, ordering: .relaxed).newValue }
}
