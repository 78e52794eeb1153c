import Foundation
import TirekCore

/// Storage errors, each with a stable code.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case corrupt(String)
    case unavailable(String)

    public var code: String {
        switch self {
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .corrupt: "store_corrupt"
        case .unavailable: "store_unavailable"
        }
    }

    public var description: String {
        switch self {
        case .notFound(let m), .conflict(let m), .corrupt(let m), .unavailable(let m): "\(code): \(m)"
        }
    }
}

/// One entry of a lesson's append-only event log. Every accepted change to a lesson is written
/// here before it is acknowledged, so a lesson can be rebuilt by replaying its events in `seq` order.
public struct StoredEvent: Hashable, Codable, Sendable {
    public var lessonID: LessonID
    /// Position in the lesson's log, from 1, assigned by the store on append.
    public var seq: Int64
    public var at: Instant
    /// The event's name, e.g. "presence.joined", "lesson.transition".
    public var kind: String
    /// Who caused it; nil for the system (timers, recovery).
    public var actor: ParticipantID?
    /// The event body as JSON.
    public var body: Data

    enum CodingKeys: String, CodingKey {
        case seq, at, kind, actor, body
        case lessonID = "lesson_id"
    }

    public init(lessonID: LessonID, seq: Int64 = 0, at: Instant, kind: String, actor: ParticipantID?, body: Data) {
        self.lessonID = lessonID
        self.seq = seq
        self.at = at
        self.kind = kind
        self.actor = actor
        self.body = body
    }
}

/// The storage seam. The embedded default is `SQLiteStore`; a PostgreSQL implementation plugs in
/// here without touching the core or the server.
public protocol TirekStore: Sendable {
    // Schools and rosters.
    func save(_ school: School) async throws
    func save(_ classroom: Classroom) async throws
    func save(_ teacher: Teacher) async throws
    func save(_ student: Student) async throws
    func save(_ guest: Guest) async throws
    func schools() async throws -> [School]
    func classrooms() async throws -> [Classroom]
    func teachers() async throws -> [Teacher]
    func students() async throws -> [Student]
    func guests() async throws -> [Guest]

    // Lessons.
    func save(_ lesson: LessonRecord) async throws
    func lesson(_ id: LessonID) async throws -> LessonRecord?
    func lessons() async throws -> [LessonRecord]

    // The event log.
    /// Appends events atomically, assigning consecutive `seq` numbers; returns them as stored.
    func append(_ events: [StoredEvent]) async throws -> [StoredEvent]
    /// Events of one lesson with `seq > after`, in order, at most `limit`.
    func events(lesson: LessonID, after: Int64, limit: Int) async throws -> [StoredEvent]

    // Settings kept across restarts (e.g. the token signing key).
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, _ value: String) async throws

    // Participants removed from a lesson by an administrator (kick): their join links stop working.
    func revoke(participant: ParticipantID, lesson: LessonID, at: Instant) async throws
    func isRevoked(participant: ParticipantID, lesson: LessonID) async throws -> Bool
}

extension TirekStore {
    /// Resolves everyone who may join a lesson from the lesson record and the school data.
    public func roster(for id: LessonID) async throws -> LessonRoster? {
        guard let lesson = try await lesson(id) else { return nil }
        let wanted = Set(lesson.classroomIDs)
        let classrooms = try await self.classrooms().filter { wanted.contains($0.id) }
            .sorted { lesson.classroomIDs.firstIndex(of: $0.id)! < lesson.classroomIDs.firstIndex(of: $1.id)! }
        let teachers = try await self.teachers()
        guard let hub = teachers.first(where: { $0.id == lesson.hubTeacherID }) else {
            throw StoreError.corrupt("lesson \(id) names hub teacher \(lesson.hubTeacherID), who does not exist")
        }
        let localIDs = Set(classrooms.compactMap(\.localTeacherID))
        let ownStudents = Set(lesson.studentIDs)
        let students = try await self.students().filter {
            ownStudents.contains($0.id) || ($0.classroomID.map(wanted.contains) ?? false)
        }
        let guestIDs = Set(lesson.guestIDs)
        let schoolIDs = Set(classrooms.map(\.schoolID)).union([hub.schoolID])
        return LessonRoster(
            lesson: lesson,
            classrooms: classrooms,
            schools: try await schools().filter { schoolIDs.contains($0.id) },
            hubTeacher: hub,
            localTeachers: teachers.filter { localIDs.contains($0.id) },
            students: students.sorted { $0.id < $1.id },
            guests: try await guests().filter { guestIDs.contains($0.id) }
        )
    }
}
