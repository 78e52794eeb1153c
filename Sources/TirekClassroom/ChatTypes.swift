import TirekCore

/// Server id of a chat message, e.g. `"m12"`; unique within a lesson.
public struct ChatMessageID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

/// Who a chat message is for.
///
/// JSON: `{"kind":"lesson"}`, `{"kind":"classroom","classroom_id":"c1"}`,
/// `{"kind":"private","student_id":"s1","teacher_id":"hub"}`.
public enum ChatScope: Hashable, Sendable, Codable {
    /// Everyone in the lesson.
    case lesson
    /// One classroom (plus the hub teacher, admins and observers, who supervise).
    case classroom(ClassroomID)
    /// A private thread between one student and one teacher (the hub teacher, or the student's
    /// own local teacher). Visible to those two only.
    case privateThread(student: ParticipantID, teacher: ParticipantID)

    private enum CodingKeys: String, CodingKey {
        case kind
        case classroomID = "classroom_id"
        case studentID = "student_id"
        case teacherID = "teacher_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "lesson":
            self = .lesson
        case "classroom":
            self = .classroom(try c.decode(ClassroomID.self, forKey: .classroomID))
        case "private":
            self = .privateThread(
                student: try c.decode(ParticipantID.self, forKey: .studentID),
                teacher: try c.decode(ParticipantID.self, forKey: .teacherID))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "unknown chat scope \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .lesson:
            try c.encode("lesson", forKey: .kind)
        case .classroom(let id):
            try c.encode("classroom", forKey: .kind)
            try c.encode(id, forKey: .classroomID)
        case .privateThread(let student, let teacher):
            try c.encode("private", forKey: .kind)
            try c.encode(student, forKey: .studentID)
            try c.encode(teacher, forKey: .teacherID)
        }
    }
}

/// A chat message as stored and sent to clients.
public struct ChatMessage: Hashable, Sendable, Codable {
    public var id: ChatMessageID
    /// Position in the lesson's chat log; shared with deletions, strictly increasing.
    public var seq: Int64
    /// The effective scope (may differ from the requested one; see `ChatRules.resolveWrite`).
    public var scope: ChatScope
    public var senderID: ParticipantID
    public var senderRole: Role
    public var senderName: String
    public var senderClassroomID: ClassroomID?
    /// Sanitised text.
    public var text: String
    public var sentAt: Instant

    public init(
        id: ChatMessageID, seq: Int64, scope: ChatScope, senderID: ParticipantID, senderRole: Role,
        senderName: String, senderClassroomID: ClassroomID?, text: String, sentAt: Instant
    ) {
        self.id = id
        self.seq = seq
        self.scope = scope
        self.senderID = senderID
        self.senderRole = senderRole
        self.senderName = senderName
        self.senderClassroomID = senderClassroomID
        self.text = text
        self.sentAt = sentAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, seq, scope, text
        case senderID = "sender_id"
        case senderRole = "sender_role"
        case senderName = "sender_name"
        case senderClassroomID = "sender_classroom_id"
        case sentAt = "sent_at"
    }
}

/// A message was deleted by moderation (or by its sender). Has its own `seq`; visible to
/// whoever could see the message, so every view removes it.
public struct ChatDeletion: Hashable, Sendable, Codable {
    public var seq: Int64
    public var messageID: ChatMessageID
    public var messageSeq: Int64
    public var scope: ChatScope
    public var deletedBy: ParticipantID
    public var deletedAt: Instant

    private enum CodingKeys: String, CodingKey {
        case seq, scope
        case messageID = "message_id"
        case messageSeq = "message_seq"
        case deletedBy = "deleted_by"
        case deletedAt = "deleted_at"
    }
}

/// A page of chat history for one participant.
///
/// `messages` are the visible, not deleted messages with `seq > after`; `deletions` are the
/// deletions (with `seq > after`) of visible messages the client already has (`message_seq <=
/// after`). Deleted messages are never sent (not even as tombstones). Every message and every
/// deletion is sent at most once along a chain of cursors; a deletion can name a message the
/// client never received (it was already deleted when that page was served): ignore it. The
/// client stores `last_seq` and asks again with `after = last_seq` while `has_more`.
public struct ChatHistoryPage: Hashable, Sendable, Codable {
    public var messages: [ChatMessage]
    public var deletions: [ChatDeletion]
    /// The cursor this page covers up to (inclusive); invisible entries up to it are skipped.
    public var lastSeq: Int64
    public var hasMore: Bool

    private enum CodingKeys: String, CodingKey {
        case messages, deletions
        case lastSeq = "last_seq"
        case hasMore = "has_more"
    }
}

/// Chat locked or unlocked for students (every non-teacher) in a scope.
public struct ChatLockChange: Hashable, Sendable, Codable {
    public var scope: InteractionScope
    public var locked: Bool
    public var by: ParticipantID
    public var at: Instant
}

/// A participant muted (until `until`) or unmuted (`until` absent).
public struct ChatMuteChange: Hashable, Sendable, Codable {
    public var participantID: ParticipantID
    public var until: Instant?
    public var by: ParticipantID
    public var at: Instant

    private enum CodingKeys: String, CodingKey {
        case until, by, at
        case participantID = "participant_id"
    }
}
