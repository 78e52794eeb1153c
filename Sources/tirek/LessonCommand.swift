import ArgumentParser
import Foundation
import TirekCore
import TirekServer
import TirekStore

struct LessonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lesson", abstract: "Create and list lessons.",
                                                    subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a lesson in the database and print its join links.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Lesson id (default: generated).") var id: String?
        @Option(help: "Subject, e.g. Physics.") var subject: String
        @Option(help: "Topic of this lesson.") var topic: String
        @Option(help: "Grade 0–12.") var grade: Int
        @Option(help: "Hub teacher id (must exist).") var hubTeacher: String
        @Option(help: "Participating classroom id (repeat).") var classroom: [String] = []
        @Option(help: "Observer or assistant id (repeat).") var guest: [String] = []
        @Option(help: "Model: hub, streaming, small_group.") var model: String = "hub"
        @Option(help: "Minutes from now until the scheduled start.") var startsIn: Int64 = 10
        @Option(help: "Phase length, e.g. operational=28 (repeat).") var phase: [String] = []
        @Option(help: "Base URL for links.") var publicURL: String = "http://127.0.0.1:8080"
        @Option(help: "Token secret (default: the one kept in the database).") var tokenSecret: String?

        func run() async throws {
            let db = try await store.open()
            guard let model = LessonModel(rawValue: model) else { throw ValidationError("unknown model \(model)") }
            var minutes: [String: Int] = [:]
            for p in phase {
                let parts = p.split(separator: "=")
                guard parts.count == 2, let m = Int(parts[1]) else { throw ValidationError("phase must look like operational=28") }
                minutes[String(parts[0])] = m
            }
            let now = SystemClock().now()
            let lesson = LessonRecord(id: LessonID(id ?? "lesson-\(UUID().uuidString.prefix(8).lowercased())"), subject: subject, topic: topic,
                                      grade: grade, scheduledStart: now + .minutes(startsIn), model: model, phaseMinutes: minutes,
                                      hubTeacherID: ParticipantID(hubTeacher), classroomIDs: classroom.map(ClassroomID.init),
                                      guestIDs: guest.map(ParticipantID.init), createdAt: now)
            try await db.save(lesson)
            guard let roster = try await db.roster(for: lesson.id) else { throw ValidationError("lesson not stored") }
            let issuer = try await CLILinks.issuer(db: db, publicURL: publicURL, secret: tokenSecret)
            print("Created lesson \(lesson.id)")
            for link in issuer.links(for: roster, now: now) {
                print("\(link.participant.role.rawValue)\t\(link.participant.displayName)\t\(link.url)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List lessons.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            for lesson in try await store.open().lessons() {
                print("\(lesson.id)\t\(lesson.subject)\t\(lesson.topic)\tgrade \(lesson.grade)\tstarts \(lesson.scheduledStart.millis)")
            }
        }
    }
}

enum CLILinks {
    static func issuer(db: any TirekStore, publicURL: String, secret: String?) async throws -> LinkIssuer {
        var resolved = secret
        if resolved == nil { resolved = try await db.setting("token_secret") }
        guard let secret = resolved else {
            throw ValidationError("no token secret: start the server once on this database, or pass --token-secret")
        }
        return LinkIssuer(signer: TokenSigner(secret: Data(secret.utf8)), publicURL: publicURL, validAfterStartSeconds: 12 * 3600)
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Issue a join link for one participant of a lesson.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Lesson id.") var lesson: String
    @Option(help: "Participant id (as on the roster).") var participant: String
    @Option(help: "Base URL for links.") var publicURL: String = "http://127.0.0.1:8080"
    @Option(help: "Token secret (default: the one kept in the database).") var tokenSecret: String?

    func run() async throws {
        let db = try await store.open()
        guard let roster = try await db.roster(for: LessonID(lesson)) else { throw ValidationError("no lesson \(lesson)") }
        guard let p = roster.participant(ParticipantID(participant)) else {
            throw ValidationError("\(participant) is not on the roster of \(lesson)")
        }
        let issuer = try await CLILinks.issuer(db: db, publicURL: publicURL, secret: tokenSecret)
        let link = issuer.link(for: p, lesson: roster.lesson, now: SystemClock().now())
        print(link.token)
        print(link.url)
    }
}
