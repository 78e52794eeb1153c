import TirekCore

/// Online time in one phase, for a report row.
public struct PhaseMinutes: Hashable, Codable, Sendable {
    public var phase: String
    /// Minutes, one decimal, rounded half up.
    public var onlineMin: Double
    public var onlineMs: Millis

    enum CodingKeys: String, CodingKey {
        case phase
        case onlineMin = "online_min"
        case onlineMs = "online_ms"
    }

    public init(phase: String, onlineMs: Millis) {
        self.phase = phase
        self.onlineMs = onlineMs
        self.onlineMin = ExportFormat.minutes(onlineMs)
    }
}

/// One student's line in the attendance export.
public struct AttendanceRow: Hashable, Codable, Sendable {
    public var lesson: LessonID
    public var student: ParticipantID
    /// Empty when the student is not on the roster.
    public var displayName: String
    public var externalID: String?
    public var classroom: ClassroomID?
    public var classroomName: String?
    public var school: SchoolID?
    public var schoolName: String?
    public var status: AttendanceStatus
    public var reason: AbsenceReason?
    /// Online minutes, one decimal, rounded half up; `onlineMs` is the exact figure.
    public var onlineMin: Double
    public var onlineMs: Millis
    /// One entry per lesson phase, in the order phases first started.
    public var phases: [PhaseMinutes]
    /// The lesson's running minutes (start to end, breaks excluded), the base of the status.
    public var lessonMin: Double
    public var joins: Int
    public var drops: Int
    public var longestGapMin: Double
    public var firstJoin: Instant?
    public var lastLeave: Instant?

    enum CodingKeys: String, CodingKey {
        case lesson = "lesson_id"
        case student = "student_id"
        case displayName = "display_name"
        case externalID = "ejournal_id"
        case classroom = "classroom_id"
        case classroomName = "classroom_name"
        case school = "school_id"
        case schoolName = "school_name"
        case status
        case reason
        case onlineMin = "online_min"
        case onlineMs = "online_ms"
        case phases
        case lessonMin = "lesson_min"
        case joins
        case drops
        case longestGapMin = "longest_gap_min"
        case firstJoin = "first_join"
        case lastLeave = "last_leave"
    }
}

/// One classroom's line in the classroom export.
public struct ClassroomRow: Hashable, Codable, Sendable {
    public var lesson: LessonID
    public var classroom: ClassroomID
    public var classroomName: String?
    public var school: SchoolID?
    public var schoolName: String?
    public var lessonMin: Double
    /// Students of this classroom in the report, and how many of them got each status.
    public var students: Int
    public var present: Int
    public var late: Int
    public var partial: Int
    public var absent: Int
    public var screenOnlineMin: Double
    public var screenDrops: Int
    public var withoutStreamMin: Double
    public var streamUnavailableMin: Double
    public var handRaises: Int
    public var chatMessages: Int
    public var pollAnswers: Int

    enum CodingKeys: String, CodingKey {
        case lesson = "lesson_id"
        case classroom = "classroom_id"
        case classroomName = "classroom_name"
        case school = "school_id"
        case schoolName = "school_name"
        case lessonMin = "lesson_min"
        case students
        case present
        case late
        case partial
        case absent
        case screenOnlineMin = "screen_online_min"
        case screenDrops = "screen_drops"
        case withoutStreamMin = "without_stream_min"
        case streamUnavailableMin = "stream_unavailable_min"
        case handRaises = "hand_raises"
        case chatMessages = "chat_messages"
        case pollAnswers = "poll_answers"
    }
}
