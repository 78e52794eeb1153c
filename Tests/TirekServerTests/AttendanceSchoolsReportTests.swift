import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// `GET /v1/reports/schools`: attendance rate, missed lessons with reasons and connection
/// quality per school over a period, from finished lessons' logs.
@Suite(.serialized) struct AttendanceSchoolsReportTests {
    static let day: Int64 = 86_400_000

    /// Two ten-minute lessons on consecutive days with the same two classrooms (school1: c1,
    /// school2: c2), each ended by the hub teacher at 10.
    @Test func perSchoolOverAPeriod() async throws {
        let clock = ManualClock(start: LessonTime.at(-3))
        let server = try await RunningServer.start(clock: clock)

        func join(_ lesson: LessonFixture, _ who: String) async throws -> TestSocket {
            let socket = try await TestSocket.connect(lesson.url(server, who))
            _ = try await socket.next("welcome")
            return socket
        }
        func advance(day: Int64, to minutes: Double) {
            let target = LessonTime.at(minutes) + Millis(day * Self.day)
            if target > clock.now() { clock.advance(by: target - clock.now()) }
        }

        // Day 1, lesson A: s1-0 and s2-0 all along; s2-1 only 2–4; classroom 2's screen away 4–6;
        // s1-1 absent (no internet).
        let a = try await LessonFixture.make(on: server, id: "LA", classrooms: 2, students: 2,
                                             startsInMillis: 5 * 60_000, now: LessonTime.start)
        let hubA = try await join(a, "t-hub")
        let t1A = try await join(a, "t1")
        var sockets = [try await join(a, "screen-c1"), try await join(a, "s1-0"), try await join(a, "s2-0")]
        var screen2 = try await join(a, "screen-c2")
        advance(day: 0, to: 0)
        try await hubA.request(#"{"type":"lesson.start","id":"go"}"#, id: "go")
        advance(day: 0, to: 1)
        try await t1A.request(#"{"type":"rollcall.mark","id":"m","student_id":"s1-1","status":"absent","reason":{"code":"no_internet"}}"#, id: "m")
        advance(day: 0, to: 2)
        let s21 = try await join(a, "s2-1")
        advance(day: 0, to: 4)
        await s21.close()
        await screen2.close()
        _ = try await hubA.next("presence") { ($0["participant"] as? [String: Any])?["id"] as? String == "screen-c2" && $0["change"] as? String == "left" }
        _ = try await hubA.next("presence") { ($0["participant"] as? [String: Any])?["id"] as? String == "s2-1" && $0["change"] as? String == "left" }
        advance(day: 0, to: 6)
        screen2 = try await join(a, "screen-c2")
        advance(day: 0, to: 10)
        try await hubA.request(#"{"type":"lesson.end","id":"end"}"#, id: "end")

        // Day 2, lesson B: s1-0 and s2-1 all along; s2-0 never comes; s1-1 absent (ill).
        advance(day: 1, to: -3)
        let b = try await LessonFixture.make(on: server, id: "LB", classrooms: 2, students: 2,
                                             startsInMillis: 5 * 60_000, now: LessonTime.start + Self.day)
        let hubB = try await join(b, "t-hub")
        let t1B = try await join(b, "t1")
        for who in ["screen-c1", "screen-c2", "s1-0", "s2-1"] { sockets.append(try await join(b, who)) }
        advance(day: 1, to: 0)
        try await hubB.request(#"{"type":"lesson.start","id":"go"}"#, id: "go")
        advance(day: 1, to: 1)
        try await t1B.request(#"{"type":"rollcall.mark","id":"m","student_id":"s1-1","status":"absent","reason":{"code":"illness"}}"#, id: "m")
        advance(day: 1, to: 10)
        try await hubB.request(#"{"type":"lesson.end","id":"end"}"#, id: "end")

        // Day 3, lesson C: started, never ended: not counted.
        advance(day: 2, to: -3)
        let c = try await LessonFixture.make(on: server, id: "LC", classrooms: 2, students: 2,
                                             startsInMillis: 5 * 60_000, now: LessonTime.start + 2 * Self.day)
        let hubC = try await join(c, "t-hub")
        advance(day: 2, to: 0)
        try await hubC.request(#"{"type":"lesson.start","id":"go"}"#, id: "go")

        let (status, text) = try await server.request(.get, "/v1/reports/schools?from=2025-03-03&to=2025-03-05")
        #expect(status == 200, "\(text)")
        let report = try JSON.object(text)
        #expect(report["lessons"] as? [String] == ["LA", "LB"])
        let schools = report["schools"] as! [[String: Any]]
        #expect(schools.map { $0["school_id"] as? String } == ["school1", "school2"])
        let (one, two) = (schools[0], schools[1])

        #expect(one["school_name"] as? String == "Small School 1")
        #expect(one["lessons"] as? Int == 2 && one["students"] as? Int == 2 && one["student_lessons"] as? Int == 4)
        #expect(one["present"] as? Int == 2 && one["absent"] as? Int == 2)
        #expect(one["attendance_percent"] as? Double == 50)
        #expect(one["screen_drops"] as? Int == 0 && one["student_drops"] as? Int == 0)
        #expect(one["without_stream_min"] as? Double == 0)
        let missed1 = one["missed"] as! [[String: Any]]
        #expect(missed1.count == 1)
        #expect(missed1.first?["student_id"] as? String == "s1-1" && missed1.first?["ejournal_id"] as? String == "EJ11")
        #expect(missed1.first?["missed"] as? Int == 2 && missed1.first?["lessons"] as? Int == 2)
        let lessons1 = missed1.first?["missed_lessons"] as? [[String: Any]] ?? []
        #expect(lessons1.map { $0["lesson_id"] as? String } == ["LA", "LB"])
        #expect(lessons1.map { ($0["reason"] as? [String: Any])?["code"] as? String } == ["no_internet", "illness"])
        #expect(lessons1.first?["started_at"] as? Int64 == LessonTime.start)

        // School 2: LA s2-0 present, s2-1 partial (2 of 10 min); LB s2-0 absent, s2-1 present: 3 of 4.
        #expect(two["student_lessons"] as? Int == 4)
        #expect(two["present"] as? Int == 2 && two["partial"] as? Int == 1 && two["absent"] as? Int == 1)
        #expect(two["attendance_percent"] as? Double == 75)
        #expect(two["screen_drops"] as? Int == 1, "classroom 2's screen dropped 4–6 in LA")
        #expect(two["without_stream_min"] as? Double == 2)
        #expect(two["student_drops"] as? Int == 1, "s2-1 left LA at 4")
        #expect(two["online_min"] as? Double == 22, "LA: s2-0 10 + s2-1 2; LB: s2-1 10")
        let missed2 = two["missed"] as! [[String: Any]]
        #expect(missed2.map { $0["student_id"] as? String } == ["s2-0"])
        #expect((missed2.first?["missed_lessons"] as? [[String: Any]])?.first?["reason"] == nil)

        // The same as CSV.
        let (csvStatus, csv) = try await server.request(.get, "/v1/reports/schools?from=2025-03-03&to=2025-03-05&format=csv")
        #expect(csvStatus == 200)
        let rows = CSVReader.parse(csv)
        #expect(rows.count == 3)
        #expect(rows.dropFirst().first == ["school1", "Small School 1", "2", "2", "4", "2", "0", "0", "2", "50.0", "20.0",
                                           "20.0", "0", "0", "0.0", "0.0", "2"])
        // A period without lessons, and bad bounds.
        let (_, empty) = try await server.request(.get, "/v1/reports/schools?from=2025-04-01&to=2025-04-30")
        #expect((try JSON.object(empty)["schools"] as? [Any])?.isEmpty == true)
        let (bad, _) = try await server.request(.get, "/v1/reports/schools?from=2025-03-05&to=2025-03-01")
        #expect(bad == 400)
        let (missing, _) = try await server.request(.get, "/v1/reports/schools?from=2025-03-05")
        #expect(missing == 400)
        _ = sockets
        _ = screen2
        try await server.stop()
    }
}
