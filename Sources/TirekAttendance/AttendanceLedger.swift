import TirekCore

/// The attendance state of one lesson, built only from events. Pure: no clock, no I/O.
///
/// The I/O layer persists each event before applying it, applies it with `apply(_:)`, and
/// acts on the returned actions (live-view updates to teachers). After a crash it rebuilds
/// the ledger with `init(policy:replaying:)`, calls `recoverAfterCrash(at:)` and persists the
/// close events that returns. Figures are asked for "as of" an instant, because a lesson
/// still running (or a connection still open) counts up to that instant.
public struct AttendanceLedger: Hashable, Codable, Sendable {
    public var policy: AttendancePolicy
    var timeline = LessonTimeline()
    /// Every connection session ever opened, in the order opened.
    var sessions: [ConnectionSession] = []
    /// Open connections: index into `sessions`.
    var open: [ConnectionID: Int] = [:]
    /// Session indexes per participant.
    var byParticipant: [ParticipantID: [Int]] = [:]
    var rollCalls: [ParticipantID: RollCallTimeline] = [:]
    var streams: [ClassroomID: StreamTimeline] = [:]

    enum CodingKeys: String, CodingKey {
        case policy
        case timeline
        case sessions
        case open
        case byParticipant = "by_participant"
        case rollCalls = "roll_calls"
        case streams
    }

    public init(policy: AttendancePolicy = .standard) {
        self.policy = policy
    }

    /// Rebuilds a ledger from a persisted event log (rejected events are rejected again).
    public init(policy: AttendancePolicy = .standard, replaying events: some Sequence<AttendanceEvent>) {
        self.init(policy: policy)
        for event in events { _ = apply(event) }
    }

    public var lessonState: LessonState { timeline.state }
    public var startedAt: Instant? { timeline.startedAt }
    public var endedAt: Instant? { timeline.endedAt }
    /// Phase ids in the order they first started.
    public var phases: [String] { timeline.phaseOrder }
    /// Every connection session so far, in the order opened.
    public var connectionSessions: [ConnectionSession] { sessions }
    /// The roll-call marks' current status for a student, nil when never marked.
    public func rollCallStatus(of student: ParticipantID) -> RollCallStatus? { rollCalls[student]?.current?.status }

    // MARK: - Applying events

    /// Applies one event. Returns live-view actions, or a single `.rejected` when the event
    /// changes nothing.
    public mutating func apply(_ event: AttendanceEvent) -> [AttendanceAction] {
        switch event {
        case .lessonStarted, .phaseStarted, .lessonPaused, .lessonResumed, .lessonEnded:
            if let refusal = timeline.apply(event) { return [.rejected(code: refusal.code, message: refusal.message)] }
            return []
        case .connectionOpened(let connection, let participant, let role, let classroom, let at):
            return openConnection(connection, participant: participant, role: role, classroom: classroom, at: at)
        case .connectionClosed(let connection, let cause, let at):
            return closeConnection(connection, cause: cause, at: at)
        case .heartbeat(let connection, let at):
            guard let index = open[connection] else {
                return [.rejected(code: .attendanceConnectionNotOpen, message: "connection \(connection) is not open")]
            }
            sessions[index].lastAlive = max(sessions[index].lastAlive, at)
            return []
        case .rollCall(let mark):
            if case .other(let text) = mark.reason, text.isEmpty {
                return [.rejected(code: .invalidValue, message: "reason other needs a text")]
            }
            rollCalls[mark.student, default: RollCallTimeline()].apply(mark)
            return []
        case .hubStream(let classroom, let available, let at):
            streams[classroom, default: StreamTimeline()].record(available: available, at: at)
            return []
        }
    }

    private mutating func openConnection(_ connection: ConnectionID, participant: ParticipantID, role: Role,
                                         classroom: ClassroomID?, at: Instant) -> [AttendanceAction] {
        guard open[connection] == nil else {
            return [.rejected(code: .attendanceConnectionAlreadyOpen, message: "connection \(connection) is already open")]
        }
        if role == .classroom && classroom == nil {
            return [.rejected(code: .invalidValue, message: "a classroom screen connection needs a classroom id")]
        }
        let before = byParticipant[participant] ?? []
        let wasConnected = before.contains { sessions[$0].isOpen }
        sessions.append(ConnectionSession(connection: connection, participant: participant, role: role,
                                          classroom: classroom, openedAt: at, closedAt: nil, closeCause: nil,
                                          lastAlive: at))
        open[connection] = sessions.count - 1
        byParticipant[participant, default: []].append(sessions.count - 1)
        if wasConnected { return [] }
        return [.participantConnected(participant: participant, role: role, classroom: classroom,
                                      returning: !before.isEmpty, at: at)]
    }

    private mutating func closeConnection(_ connection: ConnectionID, cause: CloseCause, at: Instant) -> [AttendanceAction] {
        guard let index = open.removeValue(forKey: connection) else {
            return [.rejected(code: .attendanceConnectionNotOpen, message: "connection \(connection) is not open")]
        }
        let closedAt = max(at, sessions[index].openedAt)
        sessions[index].closedAt = closedAt
        sessions[index].closeCause = cause
        let session = sessions[index]
        let stillConnected = (byParticipant[session.participant] ?? []).contains { sessions[$0].isOpen }
        if stillConnected { return [] }
        return [.participantDropped(participant: session.participant, role: session.role,
                                    classroom: session.classroom, at: closedAt)]
    }

    // MARK: - Crash recovery

    /// After a restart and replay: closes every connection still open at the last moment it
    /// was known alive (its newest heartbeat, else its open instant; never after `now`), and
    /// returns those close events for the server to persist. Deterministic (ordered by
    /// connection id), so a crash before they are persisted just produces them again. The
    /// participants' sessions continue when their clients reconnect (new open events).
    public mutating func recoverAfterCrash(at now: Instant) -> [AttendanceEvent] {
        let stale = open.keys.sorted()
        var events: [AttendanceEvent] = []
        for connection in stale {
            guard let index = open[connection] else { continue }
            let session = sessions[index]
            let at = max(min(session.lastAlive, now), session.openedAt)
            let event = AttendanceEvent.connectionClosed(connection: connection, cause: .crashRecovery, at: at)
            _ = apply(event)
            events.append(event)
        }
        return events
    }

    // MARK: - Sets

    /// The lesson's running instants as of `now` (start to end or now, breaks excluded).
    public func runningSet(at now: Instant) -> IntervalSet { timeline.running(at: now) }

    /// The union of a participant's own connections as of `now` (unclipped).
    public func connectedSet(of participant: ParticipantID, at now: Instant) -> IntervalSet {
        IntervalSet((byParticipant[participant] ?? []).map { sessions[$0].interval(at: now) })
    }

    /// The union of all classroom-screen connections of a classroom as of `now` (unclipped).
    public func screenSet(of classroom: ClassroomID, at now: Instant) -> IntervalSet {
        IntervalSet(sessions.lazy.filter { $0.role == .classroom && $0.classroom == classroom }.map { $0.interval(at: now) })
    }

    /// The instants a student counts as online (unclipped): their own connections, plus their
    /// classroom screen's connected time while the roll call marks them present.
    public func onlineSet(of student: ParticipantID, at now: Instant) -> IntervalSet {
        var screens: [ClassroomID: IntervalSet] = [:]
        return onlineSet(of: student, at: now, screens: &screens)
    }

    /// `onlineSet`, with the classroom screens' sets kept in `screens` across calls.
    func onlineSet(of student: ParticipantID, at now: Instant, screens: inout [ClassroomID: IntervalSet]) -> IntervalSet {
        var set = connectedSet(of: student, at: now)
        if let rollCall = rollCalls[student] {
            for span in rollCall.presentSpans {
                if screens[span.classroom] == nil { screens[span.classroom] = screenSet(of: span.classroom, at: now) }
                set.formUnion(screens[span.classroom]!.intersection(span.interval))
            }
        }
        return set
    }

    /// Counted online time (while the lesson ran) of many participants at once, for the live view:
    /// the running time and each classroom screen's set are computed once, not once per student.
    public func onlineMillis(of participants: some Sequence<ParticipantID>, at now: Instant) -> [ParticipantID: Millis] {
        let running = timeline.running(at: now)
        var screens: [ClassroomID: IntervalSet] = [:]
        var result: [ParticipantID: Millis] = [:]
        for id in participants {
            result[id] = onlineSet(of: id, at: now, screens: &screens).intersection(running).duration
        }
        return result
    }

    /// Students with a roll-call mark, in `knownStudents` order.
    public var markedStudents: [ParticipantID] { knownStudents.filter { rollCalls[$0] != nil } }

    /// The instants the hub stream was reported unavailable in a classroom.
    public func streamUnavailableSet(of classroom: ClassroomID) -> IntervalSet {
        streams[classroom]?.unavailable ?? .empty
    }
}
