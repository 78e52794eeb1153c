import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// Lessons, rosters, join links and the phase engine survive a restart of the server.
@Suite struct RestartTests {
    @Test func gracefulRestartKeepsLessonsRostersTokensAndPhase() async throws {
        let first = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: first, classrooms: 2, students: 3)
        let hub = try await TestSocket.connect(lesson.url(first, "t-hub"))
        _ = try await hub.next("welcome")
        try await hub.send(#"{"type":"lesson.start","id":"go"}"#)
        _ = try await hub.next("ack")
        let running = try await hub.next("lesson.state")
        #expect((running["state"] as? [String: Any])?["status"] as? String == "running")
        try await first.stop()

        let second = try await RunningServer.start(databasePath: first.databasePath)
        let (status, body) = try await second.request(.get, "/v1/lessons/L1")
        #expect(status == 200)
        let stored = try JSON.object(body)
        #expect(stored["classroom_ids"] as? [String] == ["c1", "c2"])
        let (_, students) = try await second.request(.get, "/v1/students")
        #expect(students.components(separatedBy: "\"id\":\"s").count - 1 == 6)
        // The old link still works (the signing key is kept in the database) and the phase is restored.
        let again = try await TestSocket.connect(lesson.url(second, "s2-1"))
        let welcome = try await again.next("welcome")
        let state = welcome["lesson_state"] as! [String: Any]
        #expect(state["status"] as? String == "running")
        #expect(state["phase_index"] as? Int == 0)
        #expect((state["phase"] as? [String: Any])?["id"] as? String == "organisation")
        try await second.stop()
    }

    @Test func crashLeavesALogThatRestoreCloses() async throws {
        let first = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: first, classrooms: 1, students: 1)
        let hub = try await TestSocket.connect(lesson.url(first, "t-hub"))
        _ = try await hub.next("welcome")
        await first.crash()

        let second = try await RunningServer.start(databasePath: first.databasePath)
        // Joining loads the lesson and closes the connection the crash left open, in the log.
        let student = try await TestSocket.connect(lesson.url(second, "s1-0"))
        _ = try await student.next("welcome")
        let (_, body) = try await second.request(.get, "/v1/lessons/L1/events")
        let kinds = (try JSON.object(body)["events"] as! [[String: Any]]).map { $0["kind"] as! String }
        #expect(kinds.filter { $0 == "presence.joined" }.count == 2)
        #expect(kinds.filter { $0 == "presence.left" }.count == 1)
        let hubAgain = try await TestSocket.connect(lesson.url(second, "t-hub"))
        _ = try await hubAgain.next("welcome")
        _ = try await student.next("presence") { $0["change"] as? String == "reconnected" }
        try await second.stop()
    }
}
