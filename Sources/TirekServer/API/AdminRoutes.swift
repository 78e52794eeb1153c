import Foundation
import Hummingbird
import NIOCore
import TirekCore
import TirekStore

/// The admin API under `/v1`: schools, classrooms, teachers, students, guests, lessons and their
/// join links, the lesson log, and kicking a participant.
struct AdminRoutes: Sendable {
    let store: any TirekStore
    let rooms: RoomRegistry
    let links: LinkIssuer
    let clock: any WallClock

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.post("schools") { request, context -> EditedResponse<School> in
            var school = try await request.decode(as: School.self, context: context)
            try Self.checkID(school.id.rawValue, "id")
            try Self.checkName(school.name)
            school.name = school.name.trimmingCharacters(in: .whitespacesAndNewlines)
            try await store.save(school)
            return EditedResponse(status: .created, response: school)
        }
        group.get("schools") { _, _ in try await store.schools() }

        group.post("teachers") { request, context -> EditedResponse<Teacher> in
            let teacher = try await request.decode(as: Teacher.self, context: context)
            try Self.checkID(teacher.id.rawValue, "id")
            try Self.checkName(teacher.name)
            try await requireSchool(teacher.schoolID)
            try await store.save(teacher)
            return EditedResponse(status: .created, response: teacher)
        }
        group.get("teachers") { _, _ in try await store.teachers() }

        group.post("classrooms") { request, context -> EditedResponse<Classroom> in
            let classroom = try await request.decode(as: Classroom.self, context: context)
            try Self.checkID(classroom.id.rawValue, "id")
            try Self.checkName(classroom.name)
            guard (0...12).contains(classroom.grade) else { throw HTTPError(.badRequest, message: "invalid_field: grade must be 0–12") }
            try await requireSchool(classroom.schoolID)
            if let teacher = classroom.localTeacherID, try await !store.teachers().contains(where: { $0.id == teacher }) {
                throw HTTPError(.badRequest, message: "not_found: no teacher \(teacher)")
            }
            try await store.save(classroom)
            return EditedResponse(status: .created, response: classroom)
        }
        group.get("classrooms") { _, _ in try await store.classrooms() }

        group.post("students") { request, context -> EditedResponse<Student> in
            let student = try await request.decode(as: Student.self, context: context)
            try Self.checkID(student.id.rawValue, "id")
            try Self.checkName(student.name)
            if let classroom = student.classroomID, try await !store.classrooms().contains(where: { $0.id == classroom }) {
                throw HTTPError(.badRequest, message: "not_found: no classroom \(classroom)")
            }
            try await store.save(student)
            return EditedResponse(status: .created, response: student)
        }
        group.get("students") { _, _ in try await store.students() }

        group.post("guests") { request, context -> EditedResponse<Guest> in
            let guest = try await request.decode(as: Guest.self, context: context)
            try Self.checkID(guest.id.rawValue, "id")
            try Self.checkName(guest.name)
            guard guest.role == .observer || guest.role == .assistant else {
                throw HTTPError(.badRequest, message: "invalid_field: a guest's role is observer or assistant")
            }
            try await store.save(guest)
            return EditedResponse(status: .created, response: guest)
        }
        group.get("guests") { _, _ in try await store.guests() }

        group.post("lessons") { request, context -> EditedResponse<LessonWithLinks> in
            let body = try await request.decode(as: CreateLessonRequest.self, context: context)
            let lesson = try await createLesson(body)
            guard let roster = try await store.roster(for: lesson.id) else { throw HTTPError(.internalServerError) }
            return EditedResponse(status: .created, response: LessonWithLinks(lesson: lesson, links: links.links(for: roster, now: clock.now())))
        }
        group.get("lessons") { _, _ in try await store.lessons() }
        group.get("lessons/:id") { _, context -> LessonRecord in
            let id = try context.parameters.require("id")
            guard let lesson = try await store.lesson(LessonID(id)) else { throw HTTPError(.notFound, message: "not_found: no lesson \(id)") }
            return lesson
        }
        group.get("lessons/:id/links") { _, context -> LessonWithLinks in
            let id = try context.parameters.require("id")
            guard let roster = try await store.roster(for: LessonID(id)) else { throw HTTPError(.notFound, message: "not_found: no lesson \(id)") }
            return LessonWithLinks(lesson: roster.lesson, links: links.links(for: roster, now: clock.now()))
        }
        group.get("lessons/:id/links/:participant/qr.svg") { _, context -> Response in
            let id = try context.parameters.require("id")
            let who = ParticipantID(try context.parameters.require("participant"))
            guard let roster = try await store.roster(for: LessonID(id)) else { throw HTTPError(.notFound, message: "not_found: no lesson \(id)") }
            guard let participant = roster.participant(who) else {
                throw HTTPError(.notFound, message: "not_found: \(who) is not on the roster of \(id)")
            }
            let link = links.link(for: participant, lesson: roster.lesson, now: clock.now())
            let svg = try QRCode(link.url).svg()
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: svg)))
        }
        group.get("lessons/:id/events") { request, context -> EventList in
            let id = LessonID(try context.parameters.require("id"))
            let after = request.uri.queryParameters.get("after", as: Int64.self) ?? 0
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 1000
            guard after >= 0, (1...10_000).contains(limit) else {
                throw HTTPError(.badRequest, message: "invalid_field: after must be ≥ 0 and limit 1–10000")
            }
            guard try await store.lesson(id) != nil else { throw HTTPError(.notFound, message: "not_found: no lesson \(id)") }
            let events = try await store.events(lesson: id, after: after, limit: limit)
            return EventList(events: events.map { .init(seq: $0.seq, at: $0.at, kind: $0.kind, actor: $0.actor, body: JSONFragment(data: $0.body)) })
        }
        group.post("lessons/:id/kick") { request, context -> HTTPResponse.Status in
            let id = LessonID(try context.parameters.require("id"))
            let body = try await request.decode(as: KickRequest.self, context: context)
            guard let room = try await rooms.room(for: id) else { throw HTTPError(.notFound, message: "not_found: no lesson \(id)") }
            let participant = ParticipantID(body.participantID)
            guard try await room.member(participant) != nil else {
                throw HTTPError(.notFound, message: "not_found: \(participant) is not on the roster of \(id)")
            }
            try await store.revoke(participant: participant, lesson: id, at: clock.now())
            await room.disconnect(participant, code: 4003, reason: "removed by the administrator")
            return .noContent
        }
    }

    private func createLesson(_ body: CreateLessonRequest) async throws -> LessonRecord {
        let id = body.id ?? "lesson-" + UUID().uuidString.prefix(8).lowercased()
        try Self.checkID(id, "id")
        guard try await store.lesson(LessonID(id)) == nil else { throw HTTPError(.conflict, message: "conflict: lesson \(id) exists") }
        try Self.checkName(body.subject, field: "subject")
        try Self.checkName(body.topic, field: "topic")
        guard (0...12).contains(body.grade) else { throw HTTPError(.badRequest, message: "invalid_field: grade must be 0–12") }
        let teachers = try await store.teachers()
        guard teachers.contains(where: { $0.id.rawValue == body.hubTeacherID }) else {
            throw HTTPError(.badRequest, message: "not_found: no teacher \(body.hubTeacherID)")
        }
        let classroomIDs = (body.classroomIDs ?? []).map(ClassroomID.init)
        let known = Set(try await store.classrooms().map(\.id))
        if let missing = classroomIDs.first(where: { !known.contains($0) }) {
            throw HTTPError(.badRequest, message: "not_found: no classroom \(missing)")
        }
        let lesson = LessonRecord(
            id: LessonID(id), subject: body.subject, topic: body.topic, grade: body.grade,
            scheduledStart: Instant(millis: body.scheduledStart), model: body.model ?? .hub,
            phaseMinutes: body.phaseMinutes ?? [:], operationalOnly: body.operationalOnly ?? false,
            hubTeacherID: ParticipantID(body.hubTeacherID), classroomIDs: classroomIDs,
            studentIDs: (body.studentIDs ?? []).map(ParticipantID.init), guestIDs: (body.guestIDs ?? []).map(ParticipantID.init),
            createdAt: clock.now())
        try LessonValidation.validate(lesson)
        try await store.save(lesson)
        return lesson
    }

    private func requireSchool(_ id: SchoolID) async throws {
        guard try await store.schools().contains(where: { $0.id == id }) else {
            throw HTTPError(.badRequest, message: "not_found: no school \(id)")
        }
    }

    static func checkID(_ id: String, _ field: String) throws {
        guard !id.isEmpty, id.utf8.count <= 64,
              id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }) else {
            throw HTTPError(.badRequest, message: "invalid_field: \(field) must be 1–64 characters of A–Z a–z 0–9 . - _")
        }
    }

    static func checkName(_ name: String, field: String = "name") throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw HTTPError(.badRequest, message: "invalid_field: \(field) must be 1–200 characters without control characters")
        }
    }
}
