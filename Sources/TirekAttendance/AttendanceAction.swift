import TirekCore

/// What applying an event asks of the I/O layer. Connection changes are for the teachers'
/// live view; a rejection means the event changed nothing (it was a duplicate, out of
/// place, or named an unknown connection) and can be logged. Rejections are deterministic:
/// replaying a log that holds a rejected event rejects it again.
public enum AttendanceAction: Hashable, Codable, Sendable {
    /// The participant has a connection again after having none. `returning` is true when
    /// they were connected before in this lesson (a reconnect after a drop).
    case participantConnected(participant: ParticipantID, role: Role, classroom: ClassroomID?,
                              returning: Bool, at: Instant)
    /// The participant's last open connection closed.
    case participantDropped(participant: ParticipantID, role: Role, classroom: ClassroomID?, at: Instant)
    case rejected(code: ErrorCode, message: String)

    enum CodingKeys: String, CodingKey {
        case type
        case participant = "participant_id"
        case role
        case classroom = "classroom_id"
        case returning
        case at
        case code
        case message
    }

    /// The refusal behind a `.rejected` action.
    public var refusal: Refusal? {
        if case .rejected(let code, let message) = self { return Refusal(code, message) }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "participant_connected":
            self = .participantConnected(participant: try c.decode(ParticipantID.self, forKey: .participant),
                                         role: try c.decode(Role.self, forKey: .role),
                                         classroom: try c.decodeIfPresent(ClassroomID.self, forKey: .classroom),
                                         returning: try c.decode(Bool.self, forKey: .returning),
                                         at: try c.decode(Instant.self, forKey: .at))
        case "participant_dropped":
            self = .participantDropped(participant: try c.decode(ParticipantID.self, forKey: .participant),
                                       role: try c.decode(Role.self, forKey: .role),
                                       classroom: try c.decodeIfPresent(ClassroomID.self, forKey: .classroom),
                                       at: try c.decode(Instant.self, forKey: .at))
        case "rejected":
            self = .rejected(code: try c.decode(ErrorCode.self, forKey: .code),
                             message: try c.decode(String.self, forKey: .message))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                                                   debugDescription: "unknown attendance action \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .participantConnected(let participant, let role, let classroom, let returning, let at):
            try c.encode("participant_connected", forKey: .type)
            try c.encode(participant, forKey: .participant)
            try c.encode(role, forKey: .role)
            try c.encodeIfPresent(classroom, forKey: .classroom)
            try c.encode(returning, forKey: .returning)
            try c.encode(at, forKey: .at)
        case .participantDropped(let participant, let role, let classroom, let at):
            try c.encode("participant_dropped", forKey: .type)
            try c.encode(participant, forKey: .participant)
            try c.encode(role, forKey: .role)
            try c.encodeIfPresent(classroom, forKey: .classroom)
            try c.encode(at, forKey: .at)
        case .rejected(let code, let message):
            try c.encode("rejected", forKey: .type)
            try c.encode(code, forKey: .code)
            try c.encode(message, forKey: .message)
        }
    }
}
