import TirekCore

/// `lesson.state`: the phase engine's snapshot, sent to everyone after every change
/// (transition, pause, fallback, flag) so every screen shows the same phase and countdown.
public struct LessonStateMessage: ServerMessage {
    public static let type = "lesson.state"
    public var state: LessonSnapshot
    public init(state: LessonSnapshot) { self.state = state }
}

/// `lesson.transition`: one entry of the lesson's transition log (who, when, why).
public struct LessonTransitionMessage: ServerMessage {
    public static let type = "lesson.transition"
    public var record: TransitionRecord
    public init(record: TransitionRecord) { self.record = record }
}

/// `lesson.warning`: a handoff is coming (e.g. 2 min and 30 s before it); sent to teachers,
/// administrators and observers, so the outgoing and the incoming lead both see it coming.
public struct LessonWarningMessage: ServerMessage {
    public static let type = "lesson.warning"
    public var warning: HandoffWarning
    public init(warning: HandoffWarning) { self.warning = warning }
}

/// `lesson.notice`: something happened to the lead that everyone must see at once.
public struct LessonNoticeMessage: ServerMessage {
    public static let type = "lesson.notice"
    public enum Kind: String, Codable, Sendable {
        /// The hub teacher's connection dropped during a hub-led phase.
        case hubTeacherAway = "hub_teacher_away"
        /// The grace period ran out: local teachers lead their classrooms.
        case leadFallback = "lead_fallback"
        /// The hub teacher is back (`lead_restored` says whether they lead again).
        case hubTeacherBack = "hub_teacher_back"
        /// A classroom has no local teacher while local teachers lead.
        case classroomFlagged = "classroom_flagged"
        case classroomUnflagged = "classroom_unflagged"
    }
    public var notice: Kind
    public var at: Instant
    public var classroomID: ClassroomID?
    public var graceUntil: Instant?
    public var leadRestored: Bool?

    enum CodingKeys: String, CodingKey {
        case notice, at
        case classroomID = "classroom_id"
        case graceUntil = "grace_until"
        case leadRestored = "lead_restored"
    }

    public init(notice: Kind, at: Instant, classroomID: ClassroomID? = nil, graceUntil: Instant? = nil, leadRestored: Bool? = nil) {
        self.notice = notice
        self.at = at
        self.classroomID = classroomID
        self.graceUntil = graceUntil
        self.leadRestored = leadRestored
    }

    /// The notice for an engine action, if the action is one.
    public init?(_ action: LessonAction) {
        switch action {
        case .hubTeacherAway(let since, let graceUntil): self.init(notice: .hubTeacherAway, at: since, graceUntil: graceUntil)
        case .leadFallback(_, let at): self.init(notice: .leadFallback, at: at)
        case .hubTeacherBack(let at, let restored): self.init(notice: .hubTeacherBack, at: at, leadRestored: restored)
        case .classroomFlagged(let id, let since): self.init(notice: .classroomFlagged, at: since, classroomID: id)
        case .classroomUnflagged(let id, let at): self.init(notice: .classroomUnflagged, at: at, classroomID: id)
        case .record, .handoffWarning: return nil
        }
    }
}

extension LessonCommand.Kind {
    /// The engine command a lesson message asks for, or nil if the message is not a lesson command.
    public init?(_ message: ClientMessage) {
        switch message {
        case .lessonStart: self = .start
        case .lessonHandOver: self = .handOver
        case .lessonExtend(let m): self = .extend(minutes: m.minutes)
        case .lessonPause: self = .pause
        case .lessonResume: self = .resume
        case .lessonEnd: self = .end
        default: return nil
        }
    }
}

extension ClientMessage {
    /// The phase index the sender was looking at, for stale-command detection.
    public var expectedPhase: Int? {
        switch self {
        case .lessonHandOver(let m): m.phase
        case .lessonExtend(let m): m.phase
        default: nil
        }
    }
}
