import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// A full 45-minute hub lesson in accelerated time over real WebSockets: a hub teacher, three
/// classrooms (local teacher and screen each) and students. Every client must see the same phase
/// sequence, and the floor rules must hold in every snapshot anyone receives.
@Suite struct LessonFlowTests {
    static func phaseSequence(_ socket: TestSocket) -> [String] {
        var sequence: [String] = []
        for message in socket.received("lesson.state") {
            let state = message["state"] as! [String: Any]
            let key = state["status"] as? String == "ended" ? "ended" : ((state["phase"] as? [String: Any])?["id"] as? String ?? "")
            if !key.isEmpty, sequence.last != key { sequence.append(key) }
        }
        return sequence
    }

    @Test func fullLessonInAcceleratedTime() async throws {
        let t0 = SystemClock().now()
        let clock = ManualClock(start: t0)
        let server = try await RunningServer.start(clock: clock)
        // Lesson starts one minute from now: organisation 5, operational 25 (+2 extension), reflection 10, a 2-minute break.
        let lesson = try await LessonFixture.make(on: server, classrooms: 3, students: 2, startsInMillis: 60_000, now: t0.millis,
                                                  phaseMinutes: #"{"operational":25,"reflection":10}"#)
        var everyone: [String: TestSocket] = [:]
        for id in lesson.roles.keys.sorted() {
            everyone[id] = try await TestSocket.connect(lesson.url(server, id))
            _ = try await everyone[id]!.next("welcome")
        }
        let hub = everyone["t-hub"]!, t1 = everyone["t1"]!, student = everyone["s2-1"]!

        func advance(minutes: Int) async throws {
            for _ in 0..<minutes {
                clock.advance(by: .minutes(1))
                try await Task.sleep(for: .milliseconds(15))
            }
        }
        func waitFor(_ socket: TestSocket, phase: String) async throws {
            _ = try await socket.next("lesson.state") { (($0["state"] as? [String: Any])?["phase"] as? [String: Any])?["id"] as? String == phase }
        }

        // Scheduled start: the organisation phase begins by itself; local teachers lead.
        try await advance(minutes: 1)
        try await waitFor(hub, phase: "organisation")
        // A student may not hand over; a local teacher may in a local phase, but not yet (we let time run).
        try await student.send(#"{"type":"lesson.hand_over","id":"x"}"#)
        #expect(try await student.next("error")["code"] as? String == "forbidden")

        // Warnings reach the leads before the handoff (2 min and 30 s before), not the students.
        try await advance(minutes: 4)
        let warning = try await t1.next("lesson.warning")
        #expect((warning["warning"] as? [String: Any])?["next_lead"] as? String == "hub")
        try await advance(minutes: 1)
        try await waitFor(t1, phase: "operational")
        #expect(student.received("lesson.warning").isEmpty)

        // In operational the hub teacher leads; a local teacher's hand-over is refused, a stale one too.
        try await t1.send(#"{"type":"lesson.hand_over","id":"h1"}"#)
        #expect(try await t1.next("error")["code"] as? String == "forbidden")
        try await hub.send(#"{"type":"lesson.hand_over","phase":0,"id":"h2"}"#)
        #expect(try await hub.next("error")["code"] as? String == "stale_command")
        // Extend within the maximum (30): +2 is accepted, a further +5 is refused.
        try await hub.send(#"{"type":"lesson.extend","minutes":2,"id":"e1"}"#)
        #expect(try await hub.next("ack")["id"] as? String == "e1")
        try await hub.send(#"{"type":"lesson.extend","minutes":5,"id":"e2"}"#)
        #expect(try await hub.next("error")["code"] as? String == "invalid_value")

        // The hub teacher drops: classrooms are told at once; after the 60 s grace, local teachers lead.
        try await advance(minutes: 4)
        await hub.close()
        _ = try await t1.next("lesson.notice") { $0["notice"] as? String == "hub_teacher_away" }
        try await advance(minutes: 1)
        _ = try await t1.next("lesson.notice") { $0["notice"] as? String == "lead_fallback" }
        let fallback = try await student.next("lesson.state") { ($0["state"] as? [String: Any])?["fallback"] as? Bool == true }
        #expect((fallback["state"] as? [String: Any])?["lead"] as? String == "local")
        // The hub teacher returns and leads again.
        let hubAgain = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hubAgain.next("welcome")
        _ = try await t1.next("lesson.notice") { $0["notice"] as? String == "hub_teacher_back" }
        let restored = try await student.next("lesson.state") {
            let s = $0["state"] as? [String: Any]
            return s?["fallback"] as? Bool == false && s?["lead"] as? String == "hub"
        }
        #expect(((restored["state"] as? [String: Any])?["phase"] as? [String: Any])?["id"] as? String == "operational")

        // A 2-minute break: the clock stops for the phase; the planned end moves by 2 minutes.
        let before = try JSON.object(try await server.request(.get, "/v1/lessons/L1").body) // lesson still readable mid-lesson
        #expect(before["id"] as? String == "L1")
        try await hubAgain.send(#"{"type":"lesson.pause","id":"p"}"#)
        let paused = try await student.next("lesson.state") { ($0["state"] as? [String: Any])?["status"] as? String == "paused" }
        let endBefore = (paused["state"] as? [String: Any])?["planned_end"] as? Int64
        try await advance(minutes: 2)
        try await hubAgain.send(#"{"type":"lesson.resume","id":"r"}"#)
        let resumed = try await student.next("lesson.state") {
            let s = $0["state"] as? [String: Any]
            return s?["status"] as? String == "running" && (s?["paused_total_ms"] as? Int ?? 0) >= 120_000
        }
        let endAfter = (resumed["state"] as? [String: Any])?["planned_end"] as? Int64
        #expect(endBefore != nil && endAfter == endBefore.map { $0 + 120_000 }, "planned end \(String(describing: endBefore)) → \(String(describing: endAfter))")

        // Run out the lesson: operational ends at 1+5+27+2 = 35 min, reflection at 45.
        try await advance(minutes: 45 - 12)
        for socket in everyone.values where !socket.isClosed {
            _ = try await socket.next("lesson.state", timeout: .seconds(20)) { ($0["state"] as? [String: Any])?["status"] as? String == "ended" }
        }

        // Everyone who stayed saw the same sequence; the floor rules held in every snapshot.
        let expected = ["organisation", "operational", "reflection", "ended"]
        for (id, socket) in everyone where id != "t-hub" {
            #expect(Self.phaseSequence(socket) == expected, "\(id) saw \(Self.phaseSequence(socket))")
            for message in socket.received("lesson.state") {
                let state = message["state"] as! [String: Any]
                guard state["status"] as? String == "running", let phase = (state["phase"] as? [String: Any])?["id"] as? String else { continue }
                let lead = state["lead"] as? String, muted = state["classrooms_muted"] as? Bool
                if phase == "operational" && state["fallback"] as? Bool == false {
                    #expect(lead == "hub" && muted == true, "\(id): operational snapshot with lead \(lead ?? "-")")
                } else {
                    #expect(lead == "local" && muted == false, "\(id): \(phase) snapshot with lead \(lead ?? "-")")
                }
            }
        }
        // The log holds every transition with who, when and why.
        let (_, body) = try await server.request(.get, "/v1/lessons/L1/events?limit=10000")
        let transitions = (try JSON.object(body)["events"] as! [[String: Any]]).filter { $0["kind"] as? String == "lesson.transition" }
        let whys = transitions.map { ($0["body"] as! [String: Any])["why"] as! String }
        #expect(whys == ["lobby_opened", "auto_started", "scheduled", "extension", "fallback", "lead_restored", "pause", "resume", "scheduled", "scheduled"])
        try await server.stop()
    }
}
