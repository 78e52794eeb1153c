/// Everyone who may join one lesson, resolved from the lesson record and the school data.
/// The roster is what join links are issued for and what attendance is counted against.
public struct LessonRoster: Hashable, Codable, Sendable {
    public var lesson: LessonRecord
    public var classrooms: [Classroom]
    public var schools: [School]
    public var hubTeacher: Teacher
    public var localTeachers: [Teacher]
    /// Students of the participating classrooms plus the lesson's own students.
    public var students: [Student]
    public var guests: [Guest]

    enum CodingKeys: String, CodingKey {
        case lesson, classrooms, schools, students, guests
        case hubTeacher = "hub_teacher"
        case localTeachers = "local_teachers"
    }

    public init(lesson: LessonRecord, classrooms: [Classroom], schools: [School], hubTeacher: Teacher,
                localTeachers: [Teacher], students: [Student], guests: [Guest]) {
        self.lesson = lesson
        self.classrooms = classrooms
        self.schools = schools
        self.hubTeacher = hubTeacher
        self.localTeachers = localTeachers
        self.students = students
        self.guests = guests
    }

    /// Every participant who gets a join link, in a stable order: hub teacher, then per classroom
    /// its local teacher, screen and device students, then students of the lesson itself, then guests.
    public var participants: [Participant] {
        var result = [Participant(id: hubTeacher.id, role: .hubTeacher, displayName: hubTeacher.name)]
        let teachersByID = Dictionary(localTeachers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for classroom in classrooms {
            if let teacherID = classroom.localTeacherID, let teacher = teachersByID[teacherID] {
                result.append(Participant(id: teacher.id, role: .localTeacher, displayName: teacher.name, classroomID: classroom.id))
            }
            result.append(Participant(id: classroom.screenParticipantID, role: .classroom,
                                      displayName: classroom.name, classroomID: classroom.id))
            for student in students where student.classroomID == classroom.id && student.hasDevice {
                result.append(Participant(id: student.id, role: .student, displayName: student.name, classroomID: classroom.id))
            }
        }
        let classroomIDs = Set(classrooms.map(\.id))
        for student in students where student.classroomID.map({ !classroomIDs.contains($0) }) ?? true {
            result.append(Participant(id: student.id, role: .student, displayName: student.name, classroomID: nil))
        }
        for guest in guests {
            result.append(Participant(id: guest.id, role: guest.role, displayName: guest.name))
        }
        return result
    }

    public func participant(_ id: ParticipantID) -> Participant? {
        participants.first { $0.id == id }
    }
}
