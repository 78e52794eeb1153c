import TirekCore

/// One participant as teachers see them during the lesson.
public struct LiveParticipant: Hashable, Codable, Sendable {
    public var participant: ParticipantID
    public var role: Role
    public var classroom: ClassroomID?
    public var connected: Bool
    /// Open connections now (two devices, or a reconnect not yet noticed as a drop).
    public var openConnections: Int
    /// Start of the current unbroken online stretch; nil when not connected.
    public var connectedSince: Instant?
    /// When the last stretch ended; nil while connected.
    public var lastLeft: Instant?
    /// Stretches that ended since the lesson started (all of them before it starts).
    public var drops: Int

    enum CodingKeys: String, CodingKey {
        case participant = "participant_id"
        case role
        case classroom = "classroom_id"
        case connected
        case openConnections = "open_connections"
        case connectedSince = "connected_since"
        case lastLeft = "last_left"
        case drops
    }
}

/// Who is connected now and who dropped: every participant who ever opened a connection
/// in this lesson, sorted by participant id.
public struct LiveView: Hashable, Codable, Sendable {
    public var at: Instant
    public var lessonState: LessonState
    public var participants: [LiveParticipant]

    enum CodingKeys: String, CodingKey {
        case at
        case lessonState = "lesson_state"
        case participants
    }

    public var connected: [LiveParticipant] { participants.filter(\.connected) }
    /// Participants who were connected and are not now.
    public var dropped: [LiveParticipant] { participants.filter { !$0.connected } }
}

extension AttendanceLedger {
    /// How many rows `liveView` has (everyone who has connected so far).
    public var liveRowCount: Int { byParticipant.count }

    public func liveView(at now: Instant) -> LiveView {
        let window = Interval(timeline.startedAt ?? .distantPast, max(now, timeline.startedAt ?? now))
        let participants = byParticipant.keys.sorted().map { id -> LiveParticipant in
            let indexes = byParticipant[id] ?? []
            let latest = sessions[indexes[indexes.count - 1]]
            let openCount = indexes.filter { sessions[$0].isOpen }.count
            let set = connectedSet(of: id, at: now).bridgingGaps(upTo: policy.reconnectGrace)
            let stretches = Stretches(set, window: window)
            // The current stretch is the last one if it reaches now; a connection opened exactly
            // now has no length yet, so fall back to the earliest open connection's open.
            let current = set.intervals.last.flatMap { $0.end >= now ? $0.start : nil }
                ?? indexes.filter { sessions[$0].isOpen }.map { sessions[$0].openedAt }.min()
            // A stretch that closed exactly now is already a drop; `Stretches` cannot tell it from
            // an open connection, whose interval also ends now.
            var drops = stretches.drops
            if openCount == 0, let last = set.intervals.last, last.end == now, last.end > window.start { drops += 1 }
            return LiveParticipant(participant: id, role: latest.role, classroom: latest.classroom,
                                   connected: openCount > 0, openConnections: openCount,
                                   connectedSince: openCount > 0 ? current : nil,
                                   lastLeft: openCount > 0 ? nil : set.last,
                                   drops: drops)
        }
        return LiveView(at: now, lessonState: timeline.state, participants: participants)
    }
}
