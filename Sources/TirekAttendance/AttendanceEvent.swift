import TirekCore

/// Everything the attendance ledger learns, one event at a time. The I/O layer persists each
/// event in the lesson's append-only log before applying it, and rebuilds the ledger after a
/// restart by replaying the log (`AttendanceLedger(policy:replaying:)`).
///
/// JSON: a flat object with `"type"` (the snake_case case name) and the case's fields, e.g.
/// `{"type":"connection_opened","at":1700000000000,"connection_id":"c1","participant_id":"s1",
/// "role":"student","classroom_id":"k1"}`.
public enum AttendanceEvent: Hashable, Codable, Sendable {
    case lessonStarted(at: Instant)
    /// A phase (e.g. `organisation`, `operational`, `reflection`) begins; the previous one ends.
    case phaseStarted(phase: String, at: Instant)
    /// A break: time until `lessonResumed` does not count.
    case lessonPaused(at: Instant)
    case lessonResumed(at: Instant)
    case lessonEnded(at: Instant)
    case connectionOpened(connection: ConnectionID, participant: ParticipantID, role: Role,
                          classroom: ClassroomID?, at: Instant)
    case connectionClosed(connection: ConnectionID, cause: CloseCause, at: Instant)
    /// The connection was alive at `at` (a keep-alive). Only the newest matters: it is where
    /// crash recovery closes the connection. Persisting one every few tens of seconds is enough.
    case heartbeat(connection: ConnectionID, at: Instant)
    case rollCall(RollCallMark)
    /// Whether the classroom is receiving the hub's stream (for connection-quality figures).
    case hubStream(classroom: ClassroomID, available: Bool, at: Instant)

    /// The instant the event happened at.
    public var at: Instant {
        switch self {
        case .lessonStarted(let at), .lessonPaused(let at), .lessonResumed(let at), .lessonEnded(let at):
            at
        case .phaseStarted(_, let at): at
        case .connectionOpened(_, _, _, _, let at): at
        case .connectionClosed(_, _, let at): at
        case .heartbeat(_, let at): at
        case .rollCall(let mark): mark.at
        case .hubStream(_, _, let at): at
        }
    }

    /// The wire name of the event kind (`"type"` in JSON).
    public var type: String {
        switch self {
        case .lessonStarted: "lesson_started"
        case .phaseStarted: "phase_started"
        case .lessonPaused: "lesson_paused"
        case .lessonResumed: "lesson_resumed"
        case .lessonEnded: "lesson_ended"
        case .connectionOpened: "connection_opened"
        case .connectionClosed: "connection_closed"
        case .heartbeat: "heartbeat"
        case .rollCall: "roll_call"
        case .hubStream: "hub_stream"
        }
    }

    enum CodingKeys: String, CodingKey {
        case type
        case at
        case phase
        case connection = "connection_id"
        case participant = "participant_id"
        case role
        case classroom = "classroom_id"
        case cause
        case student = "student_id"
        case status
        case reason
        case markedBy = "marked_by"
        case effectiveFrom = "effective_from"
        case available
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        let at = try c.decode(Instant.self, forKey: .at)
        switch type {
        case "lesson_started": self = .lessonStarted(at: at)
        case "phase_started": self = .phaseStarted(phase: try c.decode(String.self, forKey: .phase), at: at)
        case "lesson_paused": self = .lessonPaused(at: at)
        case "lesson_resumed": self = .lessonResumed(at: at)
        case "lesson_ended": self = .lessonEnded(at: at)
        case "connection_opened":
            self = .connectionOpened(connection: try c.decode(ConnectionID.self, forKey: .connection),
                                     participant: try c.decode(ParticipantID.self, forKey: .participant),
                                     role: try c.decode(Role.self, forKey: .role),
                                     classroom: try c.decodeIfPresent(ClassroomID.self, forKey: .classroom),
                                     at: at)
        case "connection_closed":
            self = .connectionClosed(connection: try c.decode(ConnectionID.self, forKey: .connection),
                                     cause: try c.decodeIfPresent(CloseCause.self, forKey: .cause) ?? .closed,
                                     at: at)
        case "heartbeat":
            self = .heartbeat(connection: try c.decode(ConnectionID.self, forKey: .connection), at: at)
        case "roll_call":
            self = .rollCall(RollCallMark(student: try c.decode(ParticipantID.self, forKey: .student),
                                          classroom: try c.decode(ClassroomID.self, forKey: .classroom),
                                          status: try c.decode(RollCallStatus.self, forKey: .status),
                                          reason: try c.decodeIfPresent(AbsenceReason.self, forKey: .reason),
                                          markedBy: try c.decodeIfPresent(ParticipantID.self, forKey: .markedBy),
                                          effectiveFrom: try c.decodeIfPresent(Instant.self, forKey: .effectiveFrom),
                                          at: at))
        case "hub_stream":
            self = .hubStream(classroom: try c.decode(ClassroomID.self, forKey: .classroom),
                              available: try c.decode(Bool.self, forKey: .available), at: at)
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                                                   debugDescription: "unknown attendance event type \(type)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(at, forKey: .at)
        switch self {
        case .lessonStarted, .lessonPaused, .lessonResumed, .lessonEnded:
            break
        case .phaseStarted(let phase, _):
            try c.encode(phase, forKey: .phase)
        case .connectionOpened(let connection, let participant, let role, let classroom, _):
            try c.encode(connection, forKey: .connection)
            try c.encode(participant, forKey: .participant)
            try c.encode(role, forKey: .role)
            try c.encodeIfPresent(classroom, forKey: .classroom)
        case .connectionClosed(let connection, let cause, _):
            try c.encode(connection, forKey: .connection)
            try c.encode(cause, forKey: .cause)
        case .heartbeat(let connection, _):
            try c.encode(connection, forKey: .connection)
        case .rollCall(let mark):
            try c.encode(mark.student, forKey: .student)
            try c.encode(mark.classroom, forKey: .classroom)
            try c.encode(mark.status, forKey: .status)
            try c.encodeIfPresent(mark.reason, forKey: .reason)
            try c.encodeIfPresent(mark.markedBy, forKey: .markedBy)
            try c.encodeIfPresent(mark.effectiveFrom, forKey: .effectiveFrom)
        case .hubStream(let classroom, let available, _):
            try c.encode(classroom, forKey: .classroom)
            try c.encode(available, forKey: .available)
        }
    }
}
