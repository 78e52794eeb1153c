import Foundation
import Testing
import TirekCore
import TirekStore

/// The behaviour every `TirekStore` must have. Run against the embedded SQLite store; a new
/// backend adds its factory to `backends`.
@Suite struct StoreContractTests {
    static func sqlite() throws -> any TirekStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try SQLiteStore(path: dir.appendingPathComponent("t.sqlite").path)
    }

    static func seed(_ store: any TirekStore) async throws {
        try await store.save(School(id: "hub", name: "Hub", kind: .hub))
        try await store.save(School(id: "sm", name: "Small", kind: .small, district: "Akmola"))
        try await store.save(Teacher(id: "t-hub", schoolID: "hub", name: "Hub Teacher"))
        try await store.save(Teacher(id: "t1", schoolID: "sm", name: "Local"))
        try await store.save(Classroom(id: "c1", schoolID: "sm", name: "7A", grade: 7, localTeacherID: "t1"))
        try await store.save(Classroom(id: "c2", schoolID: "sm", name: "7B", grade: 7))
        try await store.save(Student(id: "s1", classroomID: "c1", name: "Ä with ümlaut, \"quoted\"", externalID: "EJ-1", hasDevice: true))
        try await store.save(Student(id: "s2", classroomID: "c1", name: "No device"))
        try await store.save(Student(id: "s3", classroomID: "c2", name: "Other class", hasDevice: true))
        try await store.save(Student(id: "home", classroomID: nil, name: "At home", hasDevice: true))
        try await store.save(Guest(id: "obs", name: "Methodologist", role: .observer))
        try await store.save(LessonRecord(id: "L", subject: "Math", topic: "Fractions", grade: 7, scheduledStart: .seconds(1000),
                                          phaseMinutes: ["operational": 28], hubTeacherID: "t-hub", classroomIDs: ["c1"],
                                          studentIDs: ["home"], guestIDs: ["obs"], createdAt: .seconds(900)))
    }

    @Test func documentsRoundTripAndUpsert() async throws {
        let store = try Self.sqlite()
        try await Self.seed(store)
        #expect(try await store.schools().map(\.id) == ["hub", "sm"])
        #expect(try await store.students().first { $0.id == "s1" }?.name == "Ä with ümlaut, \"quoted\"")
        try await store.save(School(id: "sm", name: "Small renamed", kind: .small))
        #expect(try await store.schools().count == 2)
        #expect(try await store.schools().last?.name == "Small renamed")
        let lesson = try #require(try await store.lesson("L"))
        #expect(lesson.phaseMinutes == ["operational": 28])
        #expect(lesson.scheduledStart == .seconds(1000))
        #expect(try await store.lesson("missing") == nil)
    }

    @Test func rosterResolvesParticipantsInStableOrder() async throws {
        let store = try Self.sqlite()
        try await Self.seed(store)
        let roster = try #require(try await store.roster(for: "L"))
        #expect(roster.participants.map(\.id) == ["t-hub", "t1", "screen-c1", "s1", "home", "obs"])
        #expect(roster.participants.map(\.role) == [.hubTeacher, .localTeacher, .classroom, .student, .student, .observer])
        #expect(roster.participant("s1")?.classroomID == "c1")
        #expect(roster.participant("s3") == nil, "students of classrooms not in the lesson are not on the roster")
        #expect(roster.students.map(\.id) == ["home", "s1", "s2"], "students without devices are on the roster for attendance")
        #expect(roster.schools.map(\.id) == ["hub", "sm"])
    }

    @Test func eventLogAssignsConsecutiveSequencesPerLessonAndPages() async throws {
        let store = try Self.sqlite()
        let body = Data(#"{"x":1}"#.utf8)
        let first = try await store.append((0..<3).map { StoredEvent(lessonID: "A", at: .seconds($0), kind: "k", actor: "p", body: body) })
        #expect(first.map(\.seq) == [1, 2, 3])
        let mixed = try await store.append([
            StoredEvent(lessonID: "B", at: .seconds(9), kind: "k", actor: nil, body: body),
            StoredEvent(lessonID: "A", at: .seconds(10), kind: "k2", actor: nil, body: body),
            StoredEvent(lessonID: "B", at: .seconds(11), kind: "k", actor: nil, body: body),
        ])
        #expect(mixed.map(\.seq) == [1, 4, 2])
        let page = try await store.events(lesson: "A", after: 1, limit: 2)
        #expect(page.map(\.seq) == [2, 3])
        let rest = try await store.events(lesson: "A", after: 3, limit: 100)
        #expect(rest.map(\.kind) == ["k2"])
        #expect(rest.first?.actor == nil && rest.first?.body == body && rest.first?.at == .seconds(10))
        #expect(try await store.events(lesson: "none", after: 0, limit: 10).isEmpty)
    }

    @Test func concurrentAppendsNeverShareASequence() async throws {
        let store = try Self.sqlite()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<20 {
                group.addTask {
                    _ = try await store.append([StoredEvent(lessonID: "C", at: .seconds(Int64(n)), kind: "k", actor: nil, body: Data("{}".utf8))])
                }
            }
            try await group.waitForAll()
        }
        let all = try await store.events(lesson: "C", after: 0, limit: 100)
        #expect(all.map(\.seq) == Array(1...20))
    }

    @Test func settingsAndRevocationsPersistAcrossReopen() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("t.sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            try await store.setSetting("token_secret", "abc")
            try await store.setSetting("token_secret", "def")
            try await store.revoke(participant: "s1", lesson: "L", at: .seconds(5))
            try await store.revoke(participant: "s1", lesson: "L", at: .seconds(6))
            _ = try await store.append([StoredEvent(lessonID: "L", at: .seconds(1), kind: "k", actor: nil, body: Data("{}".utf8))])
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.setting("token_secret") == "def")
        #expect(try await reopened.setting("missing") == nil)
        #expect(try await reopened.isRevoked(participant: "s1", lesson: "L"))
        #expect(try await !reopened.isRevoked(participant: "s1", lesson: "other"))
        #expect(try await reopened.events(lesson: "L", after: 0, limit: 10).count == 1)
    }

    @Test func unopenableDatabaseIsAClearError() {
        #expect(throws: StoreError.self) { try SQLiteStore(path: "/proc/no/such/dir/t.sqlite") }
    }
}
