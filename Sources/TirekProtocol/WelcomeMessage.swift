import TirekCore

/// What every participant may know about the lesson itself.
public struct LessonSummary: Codable, Equatable, Sendable {
    public struct ClassroomInfo: Codable, Equatable, Sendable {
        public var id: ClassroomID
        public var name: String
        public var schoolID: SchoolID
        public var schoolName: String
        public var localTeacherID: ParticipantID?

        enum CodingKeys: String, CodingKey {
            case id, name
            case schoolID = "school_id"
            case schoolName = "school_name"
            case localTeacherID = "local_teacher_id"
        }
    }

    public var id: LessonID
    public var subject: String
    public var topic: String
    public var grade: Int
    public var model: LessonModel
    public var scheduledStart: Instant
    public var hubTeacher: Participant
    public var classrooms: [ClassroomInfo]

    enum CodingKeys: String, CodingKey {
        case id, subject, topic, grade, model, classrooms
        case scheduledStart = "scheduled_start"
        case hubTeacher = "hub_teacher"
    }

    public init(roster: LessonRoster) {
        let schools = Dictionary(roster.schools.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        id = roster.lesson.id
        subject = roster.lesson.subject
        topic = roster.lesson.topic
        grade = roster.lesson.grade
        model = roster.lesson.model
        scheduledStart = roster.lesson.scheduledStart
        hubTeacher = Participant(id: roster.hubTeacher.id, role: .hubTeacher, displayName: roster.hubTeacher.name)
        classrooms = roster.classrooms.map {
            ClassroomInfo(id: $0.id, name: $0.name, schoolID: $0.schoolID, schoolName: schools[$0.schoolID] ?? "",
                          localTeacherID: $0.localTeacherID)
        }
    }
}

/// One participant online now, as a viewer may see them.
public struct OnlineEntry: Codable, Equatable, Sendable {
    public var participant: Participant
    public var connections: Int
    public var since: Instant

    public init(participant: Participant, connections: Int, since: Instant) {
        self.participant = participant
        self.connections = connections
        self.since = since
    }
}

/// `welcome`: the first message on every connection, a full snapshot of the lesson as this role may see it.
/// `lesson_state` is the phase engine's snapshot (see Protocols/rules/lesson-phases.md).
public struct Welcome<LessonState: Encodable & Sendable>: ServerMessage {
    public static var type: String { "welcome" }
    public var serverTime: Instant
    public var you: Participant
    /// The id of this connection, for logs and support.
    public var connectionID: UInt64
    public var lesson: LessonSummary
    public var online: [OnlineEntry]
    public var lessonState: LessonState
    /// The lesson log position this snapshot reflects.
    public var lastSeq: Int64
    /// The interval at which the server pings; a client that hears nothing for twice this long should reconnect.
    public var heartbeatMs: Int64

    enum CodingKeys: String, CodingKey {
        case you, lesson, online
        case serverTime = "server_time"
        case connectionID = "connection_id"
        case lessonState = "lesson_state"
        case lastSeq = "last_seq"
        case heartbeatMs = "heartbeat_ms"
    }

    public init(serverTime: Instant, you: Participant, connectionID: UInt64, lesson: LessonSummary, online: [OnlineEntry],
                lessonState: LessonState, lastSeq: Int64, heartbeatMs: Int64) {
        self.serverTime = serverTime
        self.you = you
        self.connectionID = connectionID
        self.lesson = lesson
        self.online = online
        self.lessonState = lessonState
        self.lastSeq = lastSeq
        self.heartbeatMs = heartbeatMs
    }
}

/// `media.keyframe_needed`: to a publisher: a subscriber needs a keyframe on this track; send one soon.
public struct KeyframeNeeded: ServerMessage {
    public static let type = "media.keyframe_needed"
    public var track: String
    public init(track: MediaTrack) { self.track = track.description }
}
