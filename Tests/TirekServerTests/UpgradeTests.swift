import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// The WebSocket upgrade is refused with a clear HTTP status and reason for every bad token.
@Suite struct UpgradeTests {
    func status(_ server: RunningServer, _ query: String) async throws -> (Int, String) {
        try await server.request(.get, "/v1/ws?\(query)", admin: false)
    }

    @Test func badTokensAreRefusedBeforeTheUpgrade() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let now = SystemClock().now()

        var (code, body) = try await status(server, "")
        #expect(code == 401 && body.contains("token_missing"))
        (code, body) = try await status(server, "token=garbage")
        #expect(code == 401 && body.contains("token_malformed"))

        let foreign = TokenSigner(secret: Data("someone else".utf8)).sign(
            JoinClaims(tokenID: "x", lessonID: "L1", participantID: "t-hub", role: .hubTeacher, classroomID: nil,
                       displayName: "Impostor", issuedAt: now.millis / 1000, expires: now.millis / 1000 + 600))
        (code, body) = try await status(server, "token=\(foreign)")
        #expect(code == 401 && body.contains("token_bad_signature"))

        let expired = server.app.signer.sign(
            JoinClaims(tokenID: "y", lessonID: "L1", participantID: "t-hub", role: .hubTeacher, classroomID: nil,
                       displayName: "Hub Teacher", issuedAt: now.millis / 1000 - 100, expires: now.millis / 1000 - 1))
        (code, body) = try await status(server, "token=\(expired)")
        #expect(code == 401 && body.contains("token_expired"))

        (code, body) = try await status(server, "token=\(lesson.token("t-hub"))&lesson=OTHER")
        #expect(code == 403 && body.contains("token_wrong_lesson"))

        let noSuchLesson = server.app.signer.sign(
            JoinClaims(tokenID: "z", lessonID: "NOPE", participantID: "t-hub", role: .hubTeacher, classroomID: nil,
                       displayName: "Hub Teacher", issuedAt: now.millis / 1000, expires: now.millis / 1000 + 600))
        (code, body) = try await status(server, "token=\(noSuchLesson)")
        #expect(code == 403 && body.contains("token_wrong_lesson"))

        // A correctly signed token claiming a role the participant does not have on the roster.
        let promoted = server.app.signer.sign(
            JoinClaims(tokenID: "w", lessonID: "L1", participantID: "s1-0", role: .hubTeacher, classroomID: nil,
                       displayName: "Student", issuedAt: now.millis / 1000, expires: now.millis / 1000 + 600))
        (code, body) = try await status(server, "token=\(promoted)")
        #expect(code == 403 && body.contains("token_not_on_roster"))

        // A valid token over plain HTTP: only a WebSocket joins (not a refusal).
        (code, body) = try await status(server, "token=\(lesson.token("s1-0"))")
        #expect(code == 426 && body.contains("upgrade_required"))

        // A valid token connects.
        let socket = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await socket.next("welcome")
        await socket.close()

        // The refusals are counted.
        #expect(server.app.metrics.render().contains("tirek_upgrades_refused_total 7"))
        try await server.stop()
    }

    /// Browsers cannot read the HTTP status of a refused upgrade, so a WebSocket client with a bad
    /// token is told why in an `error` message and a 4401/4403 close frame, and joins nothing.
    /// Read on a bare socket: the reply follows the `101` response at once, in the same packet,
    /// and the NIO-based test client sometimes drops bytes that arrive with its upgrade response.
    @Test func webSocketClientsLearnWhyFromTheCloseFrame() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        for (query, code, close) in [("token=garbage", "token_malformed", 4401),
                                     ("token=\(lesson.token("s1-0"))&lesson=OTHER", "token_wrong_lesson", 4403)] {
            let frames = try await RawWebSocket.connect(port: server.port, path: "/v1/ws?\(query)").framesUntilClose()
            #expect(frames.map(\.opcode) == [1, 8], "an error, then the close")
            let error = try JSON.object(frames.first?.text ?? "")
            #expect(error["type"] as? String == "error")
            #expect(error["code"] as? String == code)
            #expect(frames.last?.closeCode == close)
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(hub.received("presence").isEmpty, "a refused client never joins")
        try await server.stop()
    }

    @Test func kickedParticipantIsDisconnectedAndRefused() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        let (code, body) = try await server.request(.post, "/v1/lessons/L1/kick", json: #"{"participant_id":"s1-0"}"#)
        #expect(code == 204, "\(body)")
        for _ in 0..<200 where !student.isClosed { try await Task.sleep(for: .milliseconds(10)) }
        #expect(student.isClosed)
        #expect(student.closeCode == 4003)
        let (again, reason) = try await status(server, "token=\(lesson.token("s1-0"))")
        #expect(again == 403 && reason.contains("token_revoked"))
        try await server.stop()
    }
}
