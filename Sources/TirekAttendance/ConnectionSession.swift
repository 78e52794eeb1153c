import TirekCore

/// One connection's life: opened, maybe closed, last known alive.
public struct ConnectionSession: Hashable, Codable, Sendable {
    public var connection: ConnectionID
    public var participant: ParticipantID
    public var role: Role
    public var classroom: ClassroomID?
    public var openedAt: Instant
    /// nil while open.
    public var closedAt: Instant?
    public var closeCause: CloseCause?
    /// The newest instant the connection was known alive (its open, or its newest heartbeat).
    public var lastAlive: Instant

    enum CodingKeys: String, CodingKey {
        case connection = "connection_id"
        case participant = "participant_id"
        case role
        case classroom = "classroom_id"
        case openedAt = "opened_at"
        case closedAt = "closed_at"
        case closeCause = "close_cause"
        case lastAlive = "last_alive"
    }

    public var isOpen: Bool { closedAt == nil }

    /// The connected span as of `now`: an open connection counts up to `now`.
    public func interval(at now: Instant) -> Interval {
        Interval(openedAt, closedAt ?? max(now, openedAt))
    }
}

/// The classroom's hub-stream reports, kept sorted by instant.
struct StreamTimeline: Hashable, Codable, Sendable {
    struct Change: Hashable, Codable, Sendable {
        var at: Instant
        var available: Bool
    }

    var changes: [Change] = []

    enum CodingKeys: String, CodingKey {
        case changes
    }

    mutating func record(available: Bool, at: Instant) {
        // Insert after every change at or before `at` (stable for equal instants).
        let index = changes.lastIndex(where: { $0.at <= at }).map { $0 + 1 } ?? 0
        changes.insert(Change(at: at, available: available), at: index)
    }

    /// The instants at which the stream was reported unavailable. Before the first report the
    /// stream is taken as available.
    var unavailable: IntervalSet {
        var spans: [Interval] = []
        for (index, change) in changes.enumerated() where !change.available {
            let end = index + 1 < changes.count ? changes[index + 1].at : Instant.distantFuture
            spans.append(Interval(change.at, end))
        }
        return IntervalSet(spans)
    }
}
