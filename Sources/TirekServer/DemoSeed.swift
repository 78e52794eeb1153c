import TirekCore
import TirekStore

/// A small but realistic demo: one hub school, three small schools with a classroom each (a local
/// teacher, students with and without their own devices), an observer, and a lesson about to start.
public enum DemoSeed {
    public static let lessonID: LessonID = "demo-lesson"

    @discardableResult
    public static func seed(into store: any TirekStore, now: Instant, startsIn: Millis = .minutes(2)) async throws -> LessonRecord {
        if let existing = try await store.lesson(lessonID) { return existing }
        try await store.save(School(id: "hub-1", name: "Hub School No. 1, Kokshetau", kind: .hub, district: "Akmola"))
        try await store.save(Teacher(id: "t-hub", schoolID: "hub-1", name: "Aigerim Nurlanovna"))
        let villages = [("zhanakala", "Zhanakala small school", "Daulet Serikuly"),
                        ("karaoy", "Karaoy small school", "Gulnar Amanovna"),
                        ("akbulak", "Akbulak small school", "Yerlan Bekovich")]
        var classrooms: [ClassroomID] = []
        for (index, (key, name, teacher)) in villages.enumerated() {
            let school = SchoolID("school-\(key)")
            try await store.save(School(id: school, name: name, kind: .small, district: "Akmola"))
            try await store.save(Teacher(id: ParticipantID("t-\(key)"), schoolID: school, name: teacher))
            let classroom = ClassroomID("class-\(key)-7")
            try await store.save(Classroom(id: classroom, schoolID: school, name: "\(name.split(separator: " ")[0]) grade 7",
                                           grade: 7, localTeacherID: ParticipantID("t-\(key)")))
            classrooms.append(classroom)
            for n in 1...4 {
                try await store.save(Student(id: ParticipantID("s-\(key)-\(n)"), classroomID: classroom,
                                             name: "Student \(index + 1).\(n)", externalID: "EJ-\(key.uppercased())-\(n)",
                                             hasDevice: n <= 2))
            }
        }
        try await store.save(Guest(id: "obs-methodist", name: "District methodologist", role: .observer))
        let lesson = LessonRecord(id: lessonID, subject: "Physics", topic: "Archimedes' principle", grade: 7,
                                  scheduledStart: now + startsIn, model: .hub, phaseMinutes: [:],
                                  hubTeacherID: "t-hub", classroomIDs: classrooms, guestIDs: ["obs-methodist"],
                                  createdAt: now)
        try await store.save(lesson)
        return lesson
    }
}
