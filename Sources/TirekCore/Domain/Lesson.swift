/// A scheduled lesson as stored: who teaches, which classrooms take part, when, how long each phase is.
public struct LessonRecord: Hashable, Codable, Sendable {
    public var id: LessonID
    public var subject: String
    public var topic: String
    public var grade: Int
    public var scheduledStart: Instant
    public var model: LessonModel
    /// Chosen minutes per phase id (e.g. ["operational": 28]); phases not named use their default.
    public var phaseMinutes: [String: Int]
    /// For a streaming lesson: run only the operational phase.
    public var operationalOnly: Bool
    public var hubTeacherID: ParticipantID
    public var classroomIDs: [ClassroomID]
    /// Students joining on their own, not through a classroom (small-group lessons).
    public var studentIDs: [ParticipantID]
    /// Observers and assistants invited to this lesson.
    public var guestIDs: [ParticipantID]
    public var createdAt: Instant

    enum CodingKeys: String, CodingKey {
        case id, subject, topic, grade, model
        case scheduledStart = "scheduled_start"
        case phaseMinutes = "phase_minutes"
        case operationalOnly = "operational_only"
        case hubTeacherID = "hub_teacher_id"
        case classroomIDs = "classroom_ids"
        case studentIDs = "student_ids"
        case guestIDs = "guest_ids"
        case createdAt = "created_at"
    }

    public init(id: LessonID, subject: String, topic: String, grade: Int, scheduledStart: Instant,
                model: LessonModel = .hub, phaseMinutes: [String: Int] = [:], operationalOnly: Bool = false,
                hubTeacherID: ParticipantID, classroomIDs: [ClassroomID], studentIDs: [ParticipantID] = [],
                guestIDs: [ParticipantID] = [], createdAt: Instant) {
        self.id = id
        self.subject = subject
        self.topic = topic
        self.grade = grade
        self.scheduledStart = scheduledStart
        self.model = model
        self.phaseMinutes = phaseMinutes
        self.operationalOnly = operationalOnly
        self.hubTeacherID = hubTeacherID
        self.classroomIDs = classroomIDs
        self.studentIDs = studentIDs
        self.guestIDs = guestIDs
        self.createdAt = createdAt
    }
}

extension LessonConfig {
    /// The engine configuration of a stored lesson: its model's built-in plan with the chosen
    /// minutes. Timing policy (lobby, warnings, grace) comes from the server's settings.
    public init(record: LessonRecord, lobbyOpensBefore: Millis = .minutes(10), hubDropGrace: Millis = .seconds(60),
                warnings: [Millis] = [.minutes(2), .seconds(30)]) throws(Refusal) {
        let plan: PhasePlan = record.model == .streaming
            ? .streamingLesson(operationalOnly: record.operationalOnly)
            : .builtIn(record.model)
        try self.init(lessonID: record.id, plan: plan, minutes: record.phaseMinutes, scheduledStart: record.scheduledStart,
                      lobbyOpensBefore: lobbyOpensBefore, warnings: warnings, hubDropGrace: hubDropGrace,
                      classrooms: record.classroomIDs)
    }
}
