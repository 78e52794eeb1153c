import Foundation
import NIOCore
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// Welcome snapshot, presence, and how bad messages are answered.
@Suite struct SessionTests {
    @Test func welcomeIsAFullSnapshotAsTheRoleMaySeeIt() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 2, students: 2)
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        let welcome = try await hub.next("welcome")
        let you = welcome["you"] as! [String: Any]
        #expect(you["id"] as? String == "t-hub")
        #expect(you["role"] as? String == "hub_teacher")
        let info = welcome["lesson"] as! [String: Any]
        #expect(info["subject"] as? String == "Physics")
        #expect((info["classrooms"] as! [[String: Any]]).map { $0["id"] as! String } == ["c1", "c2"])
        #expect((info["classrooms"] as! [[String: Any]])[0]["school_name"] as? String == "Small School 1")
        let state = welcome["lesson_state"] as! [String: Any]
        #expect(state["status"] as? String == "lobby")
        #expect(state["phase_count"] as? Int == 3)
        #expect(welcome["heartbeat_ms"] as? Int == 5000)
        #expect((welcome["server_time"] as? Int64 ?? 0) > 0)

        // Two students of classroom 1 and one of classroom 2 join; student s1-0 sees only the teachers.
        let s10 = try await TestSocket.connect(lesson.url(server, "s1-0"))
        let s11 = try await TestSocket.connect(lesson.url(server, "s1-1"))
        _ = try await s11.next("welcome")
        let s20 = try await TestSocket.connect(lesson.url(server, "s2-0"))
        _ = try await s20.next("welcome")
        let w = try await s10.next("welcome")
        let onlineForStudent = (w["online"] as! [[String: Any]]).map { ($0["participant"] as! [String: Any])["id"] as! String }
        #expect(onlineForStudent == ["s1-0", "t-hub"])

        // The hub teacher saw every join, in order.
        for id in ["s1-0", "s1-1", "s2-0"] {
            let p = try await hub.next("presence") { ($0["participant"] as? [String: Any])?["id"] as? String == id }
            #expect(p["change"] as? String == "joined")
        }
        // Students never see other students come and go.
        try await Task.sleep(for: .milliseconds(200))
        #expect(s10.all("presence").isEmpty)

        // A local teacher sees their own classroom's students and the teachers, not other classrooms'.
        let t1 = try await TestSocket.connect(lesson.url(server, "t1"))
        let lw = try await t1.next("welcome")
        let forLocal = Set((lw["online"] as! [[String: Any]]).map { ($0["participant"] as! [String: Any])["id"] as! String })
        #expect(forLocal == ["t1", "t-hub", "s1-0", "s1-1"])

        // Leaving and coming back is reported as left, then reconnected.
        await s11.close()
        _ = try await hub.next("presence") { $0["change"] as? String == "left" }
        let again = try await TestSocket.connect(lesson.url(server, "s1-1"))
        _ = try await again.next("welcome")
        _ = try await hub.next("presence") { $0["change"] as? String == "reconnected" }
        // A hub teacher dropping is seen by students at once.
        await hub.close()
        let gone = try await s10.next("presence") { $0["change"] as? String == "left" }
        #expect((gone["participant"] as? [String: Any])?["id"] as? String == "t-hub")
        try await server.stop()
    }

    @Test func badMessagesGetStableErrorCodesAndTheConnectionSurvives() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        let cases: [(String, String)] = [
            ("{not json", "malformed"),
            ("[1,2,3]", "malformed"),
            (#"{"id":"a1"}"#, "missing_type"),
            (#"{"type":"teleport","id":"a2"}"#, "unknown_type"),
            (#"{"type":"lesson.extend","minutes":"ten","id":"a3"}"#, "invalid_field"),
            (#"{"type":"lesson.extend","minutes":99,"id":"a4"}"#, "invalid_field"),
            (#"{"type":"ping","id":42}"#, "invalid_field"),
            (#"{"type":"lesson.pause","id":"a5"}"#, "forbidden"),
            ("{\"type\":\"ping\",\"pad\":\"" + String(repeating: "x", count: 20_000) + "\"}", "too_large"),
        ]
        for (input, code) in cases {
            try await student.send(input)
            let error = try await student.next("error")
            #expect(error["code"] as? String == code, "\(input.prefix(40)) → \(error)")
        }
        // Request ids are echoed on errors when they could be read.
        #expect(student.all("error").isEmpty)
        try await student.send(#"{"type":"teleport","id":"x9"}"#)
        #expect(try await student.next("error")["id"] as? String == "x9")

        // Binary media from someone who does not hold the track is refused, and a broken envelope too.
        try await student.send(binary: MediaFrames.frame(track: .camera, sequence: 1, keyframe: true, size: 100))
        #expect(try await student.next("error")["code"] as? String == "forbidden")
        var garbage = ByteBufferAllocator().buffer(capacity: 4)
        garbage.writeBytes([9, 9, 9, 9])
        try await student.send(binary: garbage)
        #expect(try await student.next("error")["code"] as? String == "bad_envelope")

        // Still connected and answering.
        try await student.send(#"{"type":"ping","id":"p1","t":5}"#)
        let pong = try await student.next("pong")
        #expect(pong["id"] as? String == "p1" && pong["t"] as? Int == 5)

        // Observers cannot send anything but keep-alives and media preferences.
        let observer = try await TestSocket.connect(lesson.url(server, "obs"))
        _ = try await observer.next("welcome")
        try await observer.send(#"{"type":"lesson.start","id":"o1"}"#)
        let refused = try await observer.next("error")
        #expect(refused["code"] as? String == "forbidden" && refused["id"] as? String == "o1")
        try await server.stop()
    }

    @Test func floodOfInvalidMessagesClosesTheConnection() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        for _ in 0..<WebSocketSession.abuseLimit { try? await student.send("nope") }
        for _ in 0..<300 where !student.isClosed { try await Task.sleep(for: .milliseconds(10)) }
        #expect(student.isClosed)
        #expect(student.closeCode == 1008)
        try await server.stop()
    }

    @Test func gracefulShutdownTellsClientsAndClosesWith1001() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        try await server.stop()
        let closing = try await student.next("server_closing")
        #expect(closing["reconnect_after_ms"] as? Int == 2000)
        for _ in 0..<300 where !student.isClosed { try await Task.sleep(for: .milliseconds(10)) }
        #expect(student.closeCode == 1001)
    }
}
