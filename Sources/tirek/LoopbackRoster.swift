import Foundation

/// A hub school with its teacher, and small schools each with one classroom of device students
/// (and, optionally, a local teacher), created through the admin API of a server on loopback for
/// the load generator and the soak test. Ids carry a per-run prefix; lessons over the same
/// classrooms can be created again and again.
struct LoopbackRoster {
    struct Classroom {
        var id: String
        var localTeacher: String?
        var students: [String]
    }

    let port: Int
    let adminKey: String
    let prefix: String
    let hubTeacher: String
    let classrooms: [Classroom]

    var students: [String] { classrooms.flatMap(\.students) }

    static func create(port: Int, adminKey: String, prefix: String, students count: Int, perClassroom: Int,
                       localTeachers: Bool) throws -> LoopbackRoster {
        let p = prefix
        func post(_ path: String, _ json: String) throws {
            _ = try LoopbackHTTP.create(port: port, adminKey: adminKey, path, json)
        }
        try post("/v1/schools", #"{"id":"\#(p)-hub","name":"Hub School \#(p)","kind":"hub"}"#)
        try post("/v1/teachers", #"{"id":"\#(p)-t","school_id":"\#(p)-hub","name":"Hub Teacher \#(p)"}"#)
        var classrooms: [Classroom] = []
        for c in 0..<((count + perClassroom - 1) / perClassroom) {
            let school = "\(p)-s\(c)", id = "\(p)-c\(c)"
            try post("/v1/schools", #"{"id":"\#(school)","name":"Small School \#(c)","kind":"small"}"#)
            var teacherField = ""
            var teacher: String?
            if localTeachers {
                teacher = "\(p)-t\(c)"
                try post("/v1/teachers", #"{"id":"\#(p)-t\#(c)","school_id":"\#(school)","name":"Local Teacher \#(c)"}"#)
                teacherField = #","local_teacher_id":"\#(p)-t\#(c)""#
            }
            try post("/v1/classrooms", #"{"id":"\#(id)","school_id":"\#(school)","name":"Class \#(c)","grade":7\#(teacherField)}"#)
            var students: [String] = []
            for n in 0..<min(perClassroom, count - c * perClassroom) {
                let student = "\(p)-st\(c * perClassroom + n)"
                try post("/v1/students", #"{"id":"\#(student)","classroom_id":"\#(id)","name":"Student \#(c * perClassroom + n)","has_device":true}"#)
                students.append(student)
            }
            classrooms.append(Classroom(id: id, localTeacher: teacher, students: students))
        }
        return LoopbackRoster(port: port, adminKey: adminKey, prefix: p, hubTeacher: "\(p)-t", classrooms: classrooms)
    }

    /// Creates a lesson for every classroom, starting in a minute (its lobby is open, so everyone
    /// can join now), and returns each participant's join token by participant id.
    func createLesson(id: String) throws -> [String: String] {
        let start = wallMicros() / 1000 + 60_000
        let ids = classrooms.map { "\"\($0.id)\"" }.joined(separator: ",")
        let body = try LoopbackHTTP.create(port: port, adminKey: adminKey, "/v1/lessons", """
            {"id":"\(id)","subject":"Load","topic":"Fan-out","grade":7,"scheduled_start":\(start),
             "hub_teacher_id":"\(hubTeacher)","classroom_ids":[\(ids)],"guest_ids":[],"phase_minutes":{}}
            """)
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let links = object["links"] as? [[String: Any]] else { throw LoopbackHTTP.Failure(description: "lesson response without links") }
        var tokens: [String: String] = [:]
        for link in links {
            if let participant = link["participant"] as? [String: Any], let pid = participant["id"] as? String,
               let token = link["token"] as? String {
                tokens[pid] = token
            }
        }
        for participant in [hubTeacher] + students + classrooms.compactMap(\.localTeacher) where tokens[participant] == nil {
            throw LoopbackHTTP.Failure(description: "no join link for \(participant)")
        }
        return tokens
    }
}
