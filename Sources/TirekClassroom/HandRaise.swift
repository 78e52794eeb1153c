import TirekCore

/// Server id of one hand-raise entry, e.g. `"h7"`; unique within a lesson.
public struct HandRaiseID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

/// Whose hand is up: a student on their own device, or a named student without a device whose
/// classroom (its screen or its local teacher) raised on their behalf.
///
/// JSON: `{"kind":"participant","participant_id":"s1"}` or
/// `{"kind":"named","name":"Aigerim","classroom_id":"c1"}`.
public enum HandSubject: Hashable, Sendable, Codable {
    case participant(ParticipantID)
    case named(name: String, classroomID: ClassroomID)

    /// The identity used for idempotency: named students compare case-insensitively.
    var key: String {
        switch self {
        case .participant(let id): "p:\(id.rawValue)"
        case .named(let name, let classroom): "n:\(classroom.rawValue):\(name.lowercased())"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind
        case participantID = "participant_id"
        case name
        case classroomID = "classroom_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "participant":
            self = .participant(try c.decode(ParticipantID.self, forKey: .participantID))
        case "named":
            self = .named(
                name: try c.decode(String.self, forKey: .name),
                classroomID: try c.decode(ClassroomID.self, forKey: .classroomID))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "unknown hand subject kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .participant(let id):
            try c.encode("participant", forKey: .kind)
            try c.encode(id, forKey: .participantID)
        case .named(let name, let classroom):
            try c.encode("named", forKey: .kind)
            try c.encode(name, forKey: .name)
            try c.encode(classroom, forKey: .classroomID)
        }
    }
}

/// One raised hand waiting in a queue.
public struct HandRaise: Hashable, Sendable, Codable {
    public var id: HandRaiseID
    /// The queue it waits in.
    public var scope: InteractionScope
    public var subject: HandSubject
    /// The participant whose device raised it (the student, or the classroom screen / local teacher).
    public var raisedBy: ParticipantID
    public var raisedByRole: Role
    /// The classroom the question comes from; nil for a student without a classroom.
    public var classroomID: ClassroomID?
    /// Optional question text, sanitised, single line.
    public var question: String?
    public var raisedAt: Instant
    /// Set while the raiser is disconnected; the entry expires `reconnectGrace` later.
    public var disconnectedAt: Instant?

    public init(
        id: HandRaiseID, scope: InteractionScope, subject: HandSubject, raisedBy: ParticipantID,
        raisedByRole: Role, classroomID: ClassroomID?, question: String?, raisedAt: Instant,
        disconnectedAt: Instant? = nil
    ) {
        self.id = id
        self.scope = scope
        self.subject = subject
        self.raisedBy = raisedBy
        self.raisedByRole = raisedByRole
        self.classroomID = classroomID
        self.question = question
        self.raisedAt = raisedAt
        self.disconnectedAt = disconnectedAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, scope, subject, question
        case raisedBy = "raised_by"
        case raisedByRole = "raised_by_role"
        case classroomID = "classroom_id"
        case raisedAt = "raised_at"
        case disconnectedAt = "disconnected_at"
    }
}

/// Who has the floor in a scope: their audio (and video when `withVideo`) is relayed to everyone.
public struct Floor: Hashable, Sendable, Codable {
    public var scope: InteractionScope
    /// The granted hand (it has left the queue).
    public var entry: HandRaise
    /// The participant whose media is relayed: the student's device or the classroom's device
    /// that raised the hand.
    public var speaker: ParticipantID
    public var withVideo: Bool
    public var grantedBy: ParticipantID
    public var grantedAt: Instant

    private enum CodingKeys: String, CodingKey {
        case scope, entry, speaker
        case withVideo = "with_video"
        case grantedBy = "granted_by"
        case grantedAt = "granted_at"
    }
}

/// Why a floor ended.
public enum FloorEndReason: String, Hashable, Sendable, Codable {
    /// The queue owner took the floor back.
    case takenBack = "taken_back"
    /// The speaker (or their classroom) said they are done.
    case finished
    /// The owner granted the floor to someone else.
    case replaced
    /// The speaker's device disconnected.
    case speakerDisconnected = "speaker_disconnected"
    /// The phase (and so the lead) changed.
    case phaseChanged = "phase_changed"
}

/// Where a raised hand stands, for the one who raised it.
public struct HandPosition: Hashable, Sendable, Codable {
    public var entryID: HandRaiseID
    public var scope: InteractionScope
    public var subject: HandSubject
    /// 1-based place in the queue.
    public var position: Int
    public var queueLength: Int

    private enum CodingKeys: String, CodingKey {
        case scope, subject, position
        case entryID = "entry_id"
        case queueLength = "queue_length"
    }
}

/// One line of the hand-raise history kept for the lesson report.
public struct HandRaiseRecord: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case raised, lowered, dismissed, granted, expired, cleared, moved
        case floorEnded = "floor_ended"
    }

    public var kind: Kind
    public var entryID: HandRaiseID
    public var scope: InteractionScope
    public var subject: HandSubject
    public var classroomID: ClassroomID?
    /// Who caused it (raiser, owner); nil for expiry and phase changes.
    public var by: ParticipantID?
    public var at: Instant
    public var hadQuestion: Bool

    private enum CodingKeys: String, CodingKey {
        case kind, scope, subject, by, at
        case entryID = "entry_id"
        case classroomID = "classroom_id"
        case hadQuestion = "had_question"
    }
}

/// Per-classroom counts for the lesson report (`classroom_id` absent: students without a classroom).
public struct ClassroomHandStats: Hashable, Sendable, Codable {
    public var classroomID: ClassroomID?
    /// Hands raised (re-raising an already raised hand is not counted).
    public var raised: Int
    /// Of those, how many carried a question text.
    public var withQuestion: Int
    /// Times the floor was granted to this classroom or one of its students.
    public var granted: Int

    private enum CodingKeys: String, CodingKey {
        case raised, granted
        case classroomID = "classroom_id"
        case withQuestion = "with_question"
    }
}

/// What changed; the I/O layer turns these into messages (queue snapshots to the owner,
/// positions to raisers, floor changes to everyone and to the media relay).
public enum HandRaiseEvent: Hashable, Sendable {
    case raised(HandRaise, position: Int)
    /// Idempotent re-raise: nothing changed, the first place is kept.
    case alreadyRaised(HandRaise, position: Int)
    case lowered(HandRaise)
    case dismissed(HandRaise)
    /// Removed because the raiser stayed disconnected past the grace period.
    case expired(HandRaise)
    /// Removed by a phase change.
    case cleared(HandRaise)
    /// Re-routed by a phase change (policy `carry_over`); the entry carries its new scope.
    case moved(HandRaise, from: InteractionScope)
    /// The raiser came back within the grace period; the place is kept.
    case reconnected(HandRaise, position: Int)
    case floorGranted(Floor)
    case floorEnded(Floor, FloorEndReason)
}
