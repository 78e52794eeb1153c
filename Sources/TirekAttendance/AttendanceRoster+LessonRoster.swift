import TirekCore

extension AttendanceRoster {
    /// The export roster of a lesson: its students in roster order and its classrooms with
    /// their schools' names.
    public init(_ roster: LessonRoster) {
        let schools = Dictionary(roster.schools.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.init(lesson: roster.lesson.id,
                  students: roster.students.map {
                      Student(id: $0.id, displayName: $0.name, externalID: $0.externalID, classroom: $0.classroomID)
                  },
                  classrooms: roster.classrooms.map {
                      Classroom(id: $0.id, name: $0.name, school: $0.schoolID, schoolName: schools[$0.schoolID]?.name)
                  })
    }
}
