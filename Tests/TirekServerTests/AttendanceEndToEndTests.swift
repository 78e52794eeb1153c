import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// The issue's end-to-end test: a whole lesson in accelerated time over real sockets, with
/// students who join late, drop and return, leave early and never come, a roll call for a
/// student without a device, a break, and a server crash mid-lesson followed by a restart on the
/// same database. The exported CSV is checked row by row against figures computed by hand.
@Suite(.serialized) struct AttendanceEndToEndTests {
    /// Lesson plan (minutes after the start, wall clock): organisation [0, 5), operational
    /// [5, 32) with a break [20, 22), reflection [32, 42). Running time 40 min:
    /// organisation 5, operational 25, reflection 10. The server dies at 25 (last heartbeat 25)
    /// and is back at 28.
    @Test func crashMidLessonAndTheCSVRowByRow() async throws {
        let clock = ManualClock(start: LessonTime.at(-3))
        let server = try await RunningServer.start(clock: clock)
        let lesson = try await LessonFixture.make(on: server, id: "L-att", classrooms: 2, students: 3,
                                                  startsInMillis: 5 * 60_000, now: LessonTime.start,
                                                  phaseMinutes: #"{"operational":25}"#)
        // A student without a device, counted through classroom 1's screen and the roll call.
        _ = try await server.create("/v1/students",
                                    #"{"id":"s1-nd","classroom_id":"c1","name":"Nurlan \"Nd\", Jr.","external_id":"EJ1ND","has_device":false}"#)

        func join(_ who: String, on server: RunningServer) async throws -> TestSocket {
            let socket = try await TestSocket.connect(lesson.url(server, who))
            _ = try await socket.next("welcome")
            return socket
        }

        // −3: teachers, screens and the observer are in; −2, −1: two early students.
        let hub = try await join("t-hub", on: server)
        var live = try await hub.next("attendance.live")
        #expect(live["lesson_state"] as? String == "not_started")
        let t1 = try await join("t1", on: server)
        let t2 = try await join("t2", on: server)
        let screen1 = try await join("screen-c1", on: server)
        let screen2 = try await join("screen-c2", on: server)
        let observer = try await join("obs", on: server)
        _ = try await observer.next("attendance.live")
        LessonTime.advance(clock, to: -2)
        let s10 = try await join("s1-0", on: server)
        #expect(s10.all("attendance.live").isEmpty, "students do not get the attendance view")
        LessonTime.advance(clock, to: -1)
        var s12 = try await join("s1-2", on: server)

        // 0: the hub teacher starts the lesson.
        LessonTime.advance(clock, to: 0)
        try await hub.request(#"{"type":"lesson.start","id":"go"}"#, id: "go")
        // 1: s2-0 comes during organisation (not late).
        LessonTime.advance(clock, to: 1)
        let s20 = try await join("s2-0", on: server)

        // 2: roll call in classroom 1: the student without a device has been here since the start.
        LessonTime.advance(clock, to: 2)
        try await t1.request(#"{"type":"rollcall.mark","id":"r1","student_id":"s1-nd","status":"present","effective_from":\#(LessonTime.start)}"#, id: "r1")
        let marked = try await t1.next("attendance.live") { ($0["roll_call"] as? [[String: Any]])?.isEmpty == false }
        let mark = (marked["roll_call"] as! [[String: Any]])[0]
        #expect(mark["student_id"] as? String == "s1-nd" && mark["status"] as? String == "present")
        #expect(mark["online_ms"] as? Int == 120_000, "counted from the start through the screen")
        // A local teacher sees only their own classroom (and the teachers).
        let seenByT1 = Set((marked["participants"] as! [[String: Any]]).map { ($0["participant"] as! [String: Any])["id"] as! String })
        #expect(seenByT1 == ["t-hub", "t1", "t2", "screen-c1", "s1-0", "s1-2"])

        // 3: roll call in classroom 2: s2-1 is ill. Refusals on the way.
        LessonTime.advance(clock, to: 3)
        try await t2.request(#"{"type":"rollcall.mark","id":"r2","student_id":"s2-1","status":"absent","reason":{"code":"illness"}}"#, id: "r2")
        #expect(try await t2.refused(#"{"type":"rollcall.mark","id":"x1","student_id":"s1-0","status":"absent"}"#, id: "x1") == "forbidden")
        #expect(try await s10.refused(#"{"type":"rollcall.mark","id":"x2","student_id":"s1-0","status":"present"}"#, id: "x2") == "forbidden")
        #expect(try await observer.refused(#"{"type":"rollcall.mark","id":"x3","student_id":"s1-0","status":"present"}"#, id: "x3") == "forbidden")
        #expect(try await t1.refused(#"{"type":"rollcall.mark","id":"x4","student_id":"nobody","status":"present"}"#, id: "x4") == "not_found")
        #expect(try await t1.refused(#"{"type":"rollcall.mark","id":"x5","student_id":"s1-1","status":"present","effective_from":\#(LessonTime.at(10).millis)}"#, id: "x5") == "invalid_value")
        #expect(try await t1.refused(#"{"type":"rollcall.mark","id":"x6","student_id":"s1-1","status":"absent","reason":{"code":"other"}}"#, id: "x6") == "invalid_field")
        #expect(try await t1.refused(#"{"type":"rollcall.mark","id":"x7","student_id":"s1-1","status":"gone"}"#, id: "x7") == "invalid_field")

        // 5: organisation ends (a timer).
        LessonTime.advance(clock, to: 5)
        _ = try await hub.next("lesson.transition") { (($0["record"] as? [String: Any])?["to"] as? [String: Any])?["phase_id"] as? String == "operational" }
        // 8: s1-1 comes late.
        LessonTime.advance(clock, to: 8)
        let s11 = try await join("s1-1", on: server)
        // 12: s1-2 drops; the teachers see it at once. 15: back.
        LessonTime.advance(clock, to: 12)
        await s12.close()
        _ = try await hub.next("presence") { $0["change"] as? String == "left" && ($0["participant"] as? [String: Any])?["id"] as? String == "s1-2" }
        live = try await hub.next("attendance.live") { message in
            (message["participants"] as? [[String: Any]])?.contains {
                ($0["participant"] as? [String: Any])?["id"] as? String == "s1-2" && $0["connected"] as? Bool == false
            } == true
        }
        let dropped = (live["participants"] as! [[String: Any]]).first { ($0["participant"] as! [String: Any])["id"] as? String == "s1-2" }!
        #expect(dropped["last_left"] as? Int64 == LessonTime.at(12).millis)
        #expect(dropped["drops"] as? Int == 1)
        LessonTime.advance(clock, to: 15)
        s12 = try await join("s1-2", on: server)

        // A break [20, 22): it does not count for anyone.
        LessonTime.advance(clock, to: 20)
        try await hub.request(#"{"type":"lesson.pause","id":"p"}"#, id: "p")
        LessonTime.advance(clock, to: 22)
        try await hub.request(#"{"type":"lesson.resume","id":"r"}"#, id: "r")

        // 25: everyone's keep-alive, then the server dies without tidying up.
        LessonTime.advance(clock, to: 25)
        for socket in [hub, t1, t2, screen1, screen2, observer, s10, s11, s12, s20] { try await socket.sync("hb") }
        await server.crash()

        // 28: a new server process on the same database (its own clock; the dead one's timers
        // must never fire again). Clients reconnect; s1-2 only at 30.
        let clock2 = ManualClock(start: LessonTime.at(28))
        let server2 = try await RunningServer.start(databasePath: server.databasePath, clock: clock2)
        let hub2 = try await join("t-hub", on: server2)
        let t12 = try await join("t1", on: server2)
        var others: [TestSocket] = []
        for who in ["t2", "screen-c1", "screen-c2", "obs", "s1-0", "s1-1"] { others.append(try await join(who, on: server2)) }
        let s202 = try await join("s2-0", on: server2)

        // The connections the crash left open were closed at their last heartbeat (25), persisted.
        let recovered = try await server2.log("L-att").filter { $0["kind"] as? String == AttendanceLog.recovered }
        #expect(recovered.count == 10, "one recovered close per connection open at the crash, got \(recovered.count)")
        #expect(recovered.allSatisfy { $0["at"] as? Int64 == LessonTime.at(25).millis })
        #expect(recovered.allSatisfy { ($0["body"] as? [String: Any])?["cause"] as? String == "crash_recovery" })

        LessonTime.advance(clock2, to: 30)
        let s122 = try await join("s1-2", on: server2)
        // 32: reflection (planned end moved by the break).
        LessonTime.advance(clock2, to: 32)
        _ = try await hub2.next("lesson.transition") { (($0["record"] as? [String: Any])?["to"] as? [String: Any])?["phase_id"] as? String == "reflection" }
        // 34: s2-0 leaves early.
        LessonTime.advance(clock2, to: 34)
        await s202.close()
        _ = try await hub2.next("presence") { $0["change"] as? String == "left" && ($0["participant"] as? [String: Any])?["id"] as? String == "s2-0" }
        // 38: the local teacher corrects the roll call: the student without a device went home.
        LessonTime.advance(clock2, to: 38)
        try await t12.request(#"{"type":"rollcall.mark","id":"r3","student_id":"s1-nd","status":"absent","reason":{"code":"technical_problem"}}"#, id: "r3")
        // 42: the lesson ends (a timer).
        LessonTime.advance(clock2, to: 42)
        _ = try await hub2.next("lesson.transition") { (($0["record"] as? [String: Any])?["to"] as? [String: Any])?["status"] as? String == "ended" }
        LessonTime.advance(clock2, to: 45)

        // The CSV over HTTP, row by row.
        let (status, csv) = try await server2.request(.get, "/v1/lessons/L-att/attendance.csv")
        #expect(status == 200)
        #expect(csv.hasSuffix("\r\n") && !csv.hasPrefix("\u{FEFF}"))
        let records = CSVReader.parse(csv)
        #expect(records.first == [
            "lesson_id", "student_id", "display_name", "ejournal_id", "classroom_id", "classroom_name", "school_id",
            "school_name", "status", "reason", "reason_text", "online_min", "online_min_organisation",
            "online_min_operational", "online_min_reflection", "lesson_min", "joins", "drops", "longest_gap_min",
            "first_join", "last_leave",
        ])
        let c1 = ["c1", "Class 1", "school1", "Small School 1"]
        let c2 = ["c2", "Class 2", "school2", "Small School 2"]
        // student, name, e-journal, classroom, status, reason, online (total, org, op, refl), joins, drops, gap, first, last
        let expected: [[String]] = [
            // On time; lost 25–28 to the crash. [0,25) ∪ [28,42) less the break = 37.
            ["s1-0", "Student 1.0", "EJ10"] + c1 + ["present", "", "", "37.0", "5.0", "22.0", "10.0", "40.0", "2", "1", "3.0", LessonTime.iso(0), LessonTime.iso(42)],
            // Late (came at 8, after organisation): [8,25) ∪ [28,42) less the break = 29.
            ["s1-1", "Student 1.1", "EJ11"] + c1 + ["late", "", "", "29.0", "0.0", "19.0", "10.0", "40.0", "2", "1", "8.0", LessonTime.iso(8), LessonTime.iso(42)],
            // Dropped at 12, back at 15, crash, back only at 30: [0,12) ∪ [15,25) ∪ [30,42) less the break = 32 = 80 %.
            ["s1-2", "Student 1.2", "EJ12"] + c1 + ["present", "", "", "32.0", "5.0", "17.0", "10.0", "40.0", "3", "2", "5.0", LessonTime.iso(0), LessonTime.iso(42)],
            // No device: the screen's time while marked present (from 0 until 38): [0,25) ∪ [28,38) less the break = 33.
            ["s1-nd", "Nurlan \"Nd\", Jr.", "EJ1ND"] + c1 + ["present", "technical_problem", "", "33.0", "5.0", "22.0", "6.0", "40.0", "2", "2", "4.0", LessonTime.iso(0), LessonTime.iso(38)],
            // Left early at 34: [1,25) ∪ [28,34) less the break = 28 = 70 %.
            ["s2-0", "Student 2.0", "EJ20"] + c2 + ["partial", "", "", "28.0", "4.0", "22.0", "2.0", "40.0", "2", "2", "8.0", LessonTime.iso(1), LessonTime.iso(34)],
            // Never came; ill.
            ["s2-1", "Student 2.1", "EJ21"] + c2 + ["absent", "illness", "", "0.0", "0.0", "0.0", "0.0", "40.0", "0", "0", "40.0", "", ""],
            // Never came; no reason given.
            ["s2-2", "Student 2.2", "EJ22"] + c2 + ["absent", "", "", "0.0", "0.0", "0.0", "0.0", "40.0", "0", "0", "40.0", "", ""],
        ].map { ["L-att"] + $0 }
        #expect(records.count == expected.count + 1)
        for (index, row) in expected.enumerated() where index + 1 < records.count {
            #expect(records[index + 1] == row, "row \(index + 1)")
        }
        // The name with a quote and a comma is quoted as RFC 4180 says.
        #expect(csv.contains(#","Nurlan ""Nd"", Jr.",EJ1ND,"#))

        // The JSON report agrees and is final.
        let (jsonStatus, jsonText) = try await server2.request(.get, "/v1/lessons/L-att/attendance")
        #expect(jsonStatus == 200)
        let json = try JSON.object(jsonText)
        #expect(json["final"] as? Bool == true)
        #expect((json["lesson"] as? [String: Any])?["running_ms"] as? Int == 2_400_000)
        let students = json["students"] as! [[String: Any]]
        #expect(students.map { $0["online_ms"] as? Int } == [2_220_000, 1_740_000, 1_920_000, 1_980_000, 1_680_000, 0, 0])
        // Classroom 1's screen: connected except 25–28; one drop (the crash).
        let classrooms = json["classrooms"] as! [[String: Any]]
        #expect(classrooms.first?["screen_online_min"] as? Double == 37)
        #expect(classrooms.first?["screen_drops"] as? Int == 1)
        #expect(classrooms.first?["without_stream_min"] as? Double == 3)
        #expect(classrooms.first?["present"] as? Int == 3 && classrooms.first?["late"] as? Int == 1)

        let (missingStatus, _) = try await server2.request(.get, "/v1/lessons/nope/attendance.csv")
        #expect(missingStatus == 404)
        let (unauthorized, _) = try await server2.request(.get, "/v1/lessons/L-att/attendance.csv", admin: false)
        #expect(unauthorized == 401)
        _ = others
        _ = s122
        try await server2.stop()
    }
}
