/// Who sees whom come and go. Teachers running the lesson and read-only staff see everyone;
/// a classroom (its local teacher and screen) sees the teachers and its own people; a student
/// sees the hub teacher and their own classroom's teacher and screen. Students never see other
/// students' presence, so a roster of another school is never shown to children.
public enum PresenceVisibility {
    public static func canSee(viewer: Participant, subject: Participant) -> Bool {
        if viewer.id == subject.id { return true }
        switch viewer.role {
        case .hubTeacher, .admin, .observer, .assistant:
            return true
        case .localTeacher, .classroom:
            return subject.role.isTeacher || (subject.classroomID != nil && subject.classroomID == viewer.classroomID)
        case .student:
            if subject.role == .hubTeacher { return true }
            guard let mine = viewer.classroomID, subject.classroomID == mine else { return false }
            return subject.role == .localTeacher || subject.role == .classroom
        }
    }
}
