import Foundation

/// A lesson created through the admin API, with the join tokens it returned.
struct LessonFixture {
    let lessonID: String
    /// participant id → token
    let tokens: [String: String]
    /// participant id → role
    let roles: [String: String]
    let classrooms: [String]

    func token(_ participant: String) -> String { tokens[participant]! }
    func url(_ server: RunningServer, _ participant: String) -> String { "\(server.wsBase)?token=\(token(participant))" }
    func participants(role: String) -> [String] { roles.filter { $0.value == role }.map(\.key).sorted() }

    /// A hub school with teacher `t-hub`, `classrooms` small schools each with a classroom `c<i>`,
    /// local teacher `t<i>`, and `students` students `s<i>-<n>` (with own devices unless `devices` is false).
    static func make(on server: RunningServer, id: String = "L1", classrooms: Int = 3, students: Int = 2, devices: Bool = true,
                     startsInMillis: Int64 = 60_000, now: Int64? = nil, phaseMinutes: String = "{}",
                     observer: Bool = true) async throws -> LessonFixture {
        _ = try await server.create("/v1/schools", #"{"id":"hub","name":"Hub School","kind":"hub"}"#)
        _ = try await server.create("/v1/teachers", #"{"id":"t-hub","school_id":"hub","name":"Hub Teacher"}"#)
        var classroomIDs: [String] = []
        for i in 1...max(classrooms, 1) where classrooms > 0 {
            _ = try await server.create("/v1/schools", #"{"id":"school\#(i)","name":"Small School \#(i)","kind":"small"}"#)
            _ = try await server.create("/v1/teachers", #"{"id":"t\#(i)","school_id":"school\#(i)","name":"Local Teacher \#(i)"}"#)
            _ = try await server.create("/v1/classrooms", #"{"id":"c\#(i)","school_id":"school\#(i)","name":"Class \#(i)","grade":7,"local_teacher_id":"t\#(i)"}"#)
            for n in 0..<students {
                _ = try await server.create("/v1/students", #"{"id":"s\#(i)-\#(n)","classroom_id":"c\#(i)","name":"Student \#(i).\#(n)","external_id":"EJ\#(i)\#(n)","has_device":\#(devices)}"#)
            }
            classroomIDs.append("c\(i)")
        }
        if observer {
            _ = try await server.create("/v1/guests", #"{"id":"obs","name":"Methodologist","role":"observer"}"#)
        }
        let start = (now ?? Int64(Date().timeIntervalSince1970 * 1000)) + startsInMillis
        let classroomsJSON = classroomIDs.map { "\"\($0)\"" }.joined(separator: ",")
        let body = try await server.create("/v1/lessons", """
            {"id":"\(id)","subject":"Physics","topic":"Buoyancy","grade":7,"scheduled_start":\(start),
             "hub_teacher_id":"t-hub","classroom_ids":[\(classroomsJSON)],"guest_ids":\(observer ? "[\"obs\"]" : "[]"),
             "phase_minutes":\(phaseMinutes)}
            """)
        var tokens: [String: String] = [:]
        var roles: [String: String] = [:]
        for link in body["links"] as! [[String: Any]] {
            let participant = link["participant"] as! [String: Any]
            let pid = participant["id"] as! String
            tokens[pid] = link["token"] as? String
            roles[pid] = participant["role"] as? String
        }
        return LessonFixture(lessonID: id, tokens: tokens, roles: roles, classrooms: classroomIDs)
    }
}
