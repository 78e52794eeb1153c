import TirekCore

/// Who reads and who writes which chat scope, by role and phase. Pure functions; locks, mutes,
/// text limits and rate limits are applied by `Chat.post`.
///
/// Reading:
/// - `lesson`: everyone.
/// - `classroom(c)`: members of `c` (local teacher, screen, students, assistant), plus the hub
///   teacher, admins and observers (supervision). Never members of another classroom.
/// - `private(student, teacher)`: exactly those two participants. Not other teachers, not
///   admins or observers.
///
/// Writing:
/// - Observers and admins never write.
/// - `lesson`: teachers always. Students, screens and assistants while the hub leads; while
///   local teachers lead, their lesson-wide message is redirected to their own classroom
///   (participants without a classroom keep writing lesson-wide).
/// - `classroom(c)`: the hub teacher for any classroom; anyone else only for their own classroom.
/// - `private(student, teacher)`: only the two sides; `student` must be a student and `teacher`
///   the hub teacher or the student's own local teacher. Allowed in every phase.
public enum ChatRules {
    /// Whether `participant` may read a message in `scope`.
    public static func mayRead(_ scope: ChatScope, _ participant: Participant) -> Bool {
        switch scope {
        case .lesson:
            return true
        case .classroom(let id):
            switch participant.role {
            case .hubTeacher, .admin, .observer: return true
            default: return participant.classroomID == id
            }
        case .privateThread(let student, let teacher):
            return participant.id == student || participant.id == teacher
        }
    }

    /// Whether `participant` may read `message`.
    public static func visibleTo(_ message: ChatMessage, _ participant: Participant) -> Bool {
        mayRead(message.scope, participant)
    }

    /// Whether `participant` may write to `scope` now (before locks, mutes and limits).
    /// `lookup` resolves the other side of a private thread.
    public static func mayWrite(
        _ scope: ChatScope, _ participant: Participant, lead: Lead,
        lookup: (ParticipantID) -> Participant? = { _ in nil }
    ) -> Bool {
        (try? resolveWrite(scope, by: participant, lead: lead, lookup: lookup)) != nil
    }

    /// The scope a message from `sender` to `scope` actually goes to, or the refusal.
    public static func resolveWrite(
        _ scope: ChatScope, by sender: Participant, lead: Lead,
        lookup: (ParticipantID) -> Participant?
    ) throws -> ChatScope {
        if sender.role == .observer || sender.role == .admin {
            throw Refusal(.forbidden, "\(sender.role.rawValue) may not write in the chat")
        }
        switch scope {
        case .lesson:
            if sender.role.isTeacher { return .lesson }
            if lead == .local, let own = sender.classroomID { return .classroom(own) }
            return .lesson
        case .classroom(let id):
            if sender.role == .hubTeacher || sender.classroomID == id { return scope }
            throw Refusal(.forbidden, "you may write only to your own classroom")
        case .privateThread(let studentID, let teacherID):
            guard sender.id == studentID || sender.id == teacherID else {
                throw Refusal(.forbidden, "you are not part of this private thread")
            }
            let student = sender.id == studentID ? sender : lookup(studentID)
            let teacher = sender.id == teacherID ? sender : lookup(teacherID)
            guard let student, let teacher else {
                throw Refusal(.notFound, "the other side of the private thread is not in the lesson")
            }
            guard student.role == .student else {
                throw Refusal(.forbidden, "private threads are between a student and a teacher")
            }
            switch teacher.role {
            case .hubTeacher:
                return scope
            case .localTeacher where teacher.classroomID != nil && teacher.classroomID == student.classroomID:
                return scope
            default:
                throw Refusal(.forbidden, "a student writes privately only to the hub teacher or their own local teacher")
            }
        }
    }

    /// Whether `moderator` may lock or unlock chat in `scope`: the hub teacher anywhere, a local
    /// teacher their own classroom.
    public static func mayLock(_ scope: InteractionScope, by moderator: Participant) -> Bool {
        moderator.role == .hubTeacher || scope.isLed(by: moderator)
    }

    /// Whether `moderator` may mute `target`: targets are non-teachers; the hub teacher mutes
    /// anyone, a local teacher only members of their own classroom.
    public static func mayMute(_ target: Participant, by moderator: Participant) -> Bool {
        guard !target.role.isTeacher, target.role != .admin else { return false }
        switch moderator.role {
        case .hubTeacher: return true
        case .localTeacher: return moderator.classroomID != nil && target.classroomID == moderator.classroomID
        default: return false
        }
    }

    /// Whether `moderator` may delete `message`: its sender; the hub teacher any lesson or
    /// classroom message; a local teacher messages in their classroom's scope and lesson-wide
    /// messages sent by a non-teacher of their classroom; in a private thread, its teacher.
    public static func mayDelete(_ message: ChatMessage, by moderator: Participant) -> Bool {
        if message.senderID == moderator.id { return true }
        switch message.scope {
        case .privateThread(_, let teacher):
            return moderator.id == teacher
        case .lesson:
            if moderator.role == .hubTeacher { return true }
            return moderator.role == .localTeacher && moderator.classroomID != nil
                && message.senderClassroomID == moderator.classroomID && !message.senderRole.isTeacher
        case .classroom(let id):
            return moderator.role == .hubTeacher || InteractionScope.classroom(id).isLed(by: moderator)
        }
    }
}
