import Synchronization
import TirekCore
import TirekStore

/// A store whose appends of one kind of log entry can be held back, to put a room between
/// removing a connection and logging it (a busy database in a storm does the same).
final class HeldAppendStore: TirekStore {
    let base: any TirekStore
    /// Appends containing an entry of this kind wait while it is set.
    let held = Mutex<String?>(nil)

    init(_ base: any TirekStore) { self.base = base }

    func append(_ events: [StoredEvent]) async throws -> [StoredEvent] {
        while let kind = held.withLock({ $0 }), events.contains(where: { $0.kind == kind }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await base.append(events)
    }

    func save(_ school: School) async throws { try await base.save(school) }
    func save(_ classroom: Classroom) async throws { try await base.save(classroom) }
    func save(_ teacher: Teacher) async throws { try await base.save(teacher) }
    func save(_ student: Student) async throws { try await base.save(student) }
    func save(_ guest: Guest) async throws { try await base.save(guest) }
    func schools() async throws -> [School] { try await base.schools() }
    func classrooms() async throws -> [Classroom] { try await base.classrooms() }
    func teachers() async throws -> [Teacher] { try await base.teachers() }
    func students() async throws -> [Student] { try await base.students() }
    func guests() async throws -> [Guest] { try await base.guests() }
    func save(_ lesson: LessonRecord) async throws { try await base.save(lesson) }
    func lesson(_ id: LessonID) async throws -> LessonRecord? { try await base.lesson(id) }
    func lessons() async throws -> [LessonRecord] { try await base.lessons() }
    func events(lesson: LessonID, after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await base.events(lesson: lesson, after: after, limit: limit)
    }
    func setting(_ key: String) async throws -> String? { try await base.setting(key) }
    func setSetting(_ key: String, _ value: String) async throws { try await base.setSetting(key, value) }
    func revoke(participant: ParticipantID, lesson: LessonID, at: Instant) async throws {
        try await base.revoke(participant: participant, lesson: lesson, at: at)
    }
    func isRevoked(participant: ParticipantID, lesson: LessonID) async throws -> Bool {
        try await base.isRevoked(participant: participant, lesson: lesson)
    }
}
