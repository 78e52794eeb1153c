import Foundation
import Testing
import TirekCore
import TirekPostgres
import TirekStore

/// The behaviour every `TirekStore` must have, run against every `Backend` (SQLite and PostgreSQL);
/// a new backend adds a case there.
@Suite struct StoreContractTests {
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


    @Test(arguments: Backend.allCases) func documentsRoundTripAndUpsert(_ backend: Backend) async throws {
        try await backend.withFreshStore { store in
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
    }

    @Test(arguments: Backend.allCases) func listingsSortIdsByteWise(_ backend: Backend) async throws {
        try await backend.withFreshStore { store in
            for id in ["b", "B", "a-2", "a_1", "A", "é"] {
                try await store.save(Guest(id: ParticipantID(id), name: id, role: .observer))
            }
            #expect(try await store.guests().map(\.id.rawValue) == ["A", "B", "a-2", "a_1", "b", "é"])
        }
    }

    @Test(arguments: Backend.allCases) func rosterResolvesParticipantsInStableOrder(_ backend: Backend) async throws {
        try await backend.withFreshStore { store in
            try await Self.seed(store)
            let roster = try #require(try await store.roster(for: "L"))
            #expect(roster.participants.map(\.id) == ["t-hub", "t1", "screen-c1", "s1", "home", "obs"])
            #expect(roster.participants.map(\.role) == [.hubTeacher, .localTeacher, .classroom, .student, .student, .observer])
            #expect(roster.participant("s1")?.classroomID == "c1")
            #expect(roster.participant("s3") == nil, "students of classrooms not in the lesson are not on the roster")
            #expect(roster.students.map(\.id) == ["home", "s1", "s2"], "students without devices are on the roster for attendance")
            #expect(roster.schools.map(\.id) == ["hub", "sm"])
        }
    }

    @Test(arguments: Backend.allCases) func eventLogAssignsConsecutiveSequencesPerLessonAndPages(_ backend: Backend) async throws {
        try await backend.withFreshStore { store in
            let body = Data(#"{"x":1}"#.utf8)
            let first = try await store.append((0..<3).map { StoredEvent(lessonID: "A", at: .seconds($0), kind: "k", actor: "p", body: body) })
            #expect(first.map(\.seq) == [1, 2, 3])
            let mixed = try await store.append([
                StoredEvent(lessonID: "B", at: .seconds(9), kind: "k", actor: nil, body: body),
                StoredEvent(lessonID: "A", at: .seconds(10), kind: "k2", actor: nil, body: body),
                StoredEvent(lessonID: "B", at: .seconds(11), kind: "k", actor: nil, body: body),
            ])
            #expect(mixed.map(\.seq) == [1, 4, 2])
            #expect(try await store.append([]).isEmpty)
            let page = try await store.events(lesson: "A", after: 1, limit: 2)
            #expect(page.map(\.seq) == [2, 3])
            #expect(page.first?.actor == "p" && page.first?.lessonID == "A")
            let rest = try await store.events(lesson: "A", after: 3, limit: 100)
            #expect(rest.map(\.kind) == ["k2"])
            #expect(rest.first?.actor == nil && rest.first?.body == body && rest.first?.at == .seconds(10))
            #expect(try await store.events(lesson: "A", after: 0, limit: 0).isEmpty)
            #expect(try await store.events(lesson: "A", after: 0, limit: -1).map(\.seq) == [1, 2, 3, 4], "a negative limit is no limit")
            #expect(try await store.events(lesson: "none", after: 0, limit: 10).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases) func eventBodiesKeepEveryByte(_ backend: Backend) async throws {
        try await backend.withFreshStore { store in
            let bytes = Data((0...255).map(UInt8.init) + Array("ünïcødé \u{0}".utf8))
            _ = try await store.append([StoredEvent(lessonID: "Z", at: Instant(millis: -5), kind: "bin", actor: "ä", body: bytes)])
            let back = try #require(try await store.events(lesson: "Z", after: 0, limit: 1).first)
            #expect(back.body == bytes && back.at == Instant(millis: -5) && back.actor == "ä")
        }
    }

    @Test(arguments: Backend.allCases) func concurrentAppendsNeverShareASequence(_ backend: Backend) async throws {
        try await backend.withFreshStore { store in
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
    }

    /// Many writers, batches of 1–4 events spanning two lessons: every lesson's log is 1...n without
    /// gaps or duplicates, each batch got consecutive numbers within its lesson, and what the
    /// writers were told matches what is stored.
    @Test(arguments: Backend.allCases) func concurrentBatchAppendsAreConsecutiveWithoutGapsOrDuplicates(_ backend: Backend) async throws {
        try await backend.withFreshStore { store in
            let writers = 40
            let returned = try await withThrowingTaskGroup(of: [StoredEvent].self) { group in
                for w in 0..<writers {
                    group.addTask {
                        let batch = (0...(w % 4)).map { i in
                            StoredEvent(lessonID: i % 2 == 0 ? "P" : "Q", at: .seconds(Int64(w)), kind: "w\(w)-\(i)",
                                        actor: nil, body: Data("{}".utf8))
                        }
                        return try await store.append(batch)
                    }
                }
                var all: [[StoredEvent]] = []
                for try await batch in group { all.append(batch) }
                return all
            }
            for lesson: LessonID in ["P", "Q"] {
                let stored = try await store.events(lesson: lesson, after: 0, limit: 1000)
                let told = returned.flatMap { $0 }.filter { $0.lessonID == lesson }
                #expect(stored.map(\.seq) == Array(1...Int64(told.count)))
                #expect(Set(told.map(\.seq)).count == told.count)
                #expect(Dictionary(uniqueKeysWithValues: told.map { ($0.seq, $0.kind) })
                        == Dictionary(uniqueKeysWithValues: stored.map { ($0.seq, $0.kind) }))
                for batch in returned {
                    let seqs = batch.filter { $0.lessonID == lesson }.map(\.seq)
                    #expect(seqs == Array(seqs.first.map { Array($0..<($0 + Int64(seqs.count))) } ?? []))
                }
            }
        }
    }

    @Test(arguments: Backend.allCases) func settingsAndRevocationsPersistAcrossReopen(_ backend: Backend) async throws {
        let location = try backend.freshLocation()
        try await location.withStore { store in
            try await store.setSetting("token_secret", "abc")
            try await store.setSetting("token_secret", "def")
            try await store.revoke(participant: "s1", lesson: "L", at: .seconds(5))
            try await store.revoke(participant: "s1", lesson: "L", at: .seconds(6))
            _ = try await store.append([StoredEvent(lessonID: "L", at: .seconds(1), kind: "k", actor: nil, body: Data("{}".utf8))])
        }
        try await location.withStore { reopened in
            #expect(try await reopened.setting("token_secret") == "def")
            #expect(try await reopened.setting("missing") == nil)
            #expect(try await reopened.isRevoked(participant: "s1", lesson: "L"))
            #expect(try await !reopened.isRevoked(participant: "s1", lesson: "other"))
            #expect(try await !reopened.isRevoked(participant: "s2", lesson: "L"))
            #expect(try await reopened.events(lesson: "L", after: 0, limit: 10).count == 1)
            let next = try await reopened.append([StoredEvent(lessonID: "L", at: .seconds(2), kind: "k", actor: nil, body: Data("{}".utf8))])
            #expect(next.map(\.seq) == [2], "numbering continues after a reopen")
        }
    }

    @Test(arguments: Backend.allCases) func unreachableDatabaseIsAClearError(_ backend: Backend) async throws {
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) {
            switch backend {
            case .sqlite:
                _ = try SQLiteStore(path: "/proc/no/such/dir/t.sqlite")
            case .postgres:
                // Nothing listens on port 1; the pool would retry, the store gives up after its timeout.
                let store = try await PostgresStore.connect(
                    PostgresURL(host: "127.0.0.1", port: 1, username: "u", password: "p", database: "d", tls: .disable),
                    timeout: .seconds(1))
                await store.shutdown()
            }
        }
        #expect(error?.code == "store_unavailable")
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
