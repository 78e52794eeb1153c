import Foundation
import Testing
import TirekCore
import TirekPostgres
@_spi(Benchmarks) @testable import TirekServer

/// The server on the PostgreSQL store: a lesson runs, the server restarts on a new connection pool,
/// and lessons, rosters, join links (the signing key), the phase and the event log are all still there.
@Suite struct PostgresServerTests {
    @Test func lessonFlowSurvivesARestartOnPostgres() async throws {
        let url = try TestPostgres.freshURL()
        let firstStore = try await PostgresStore.connect(url)
        let first = try await RunningServer.start(store: firstStore)
        let lesson = try await LessonFixture.make(on: first, classrooms: 2, students: 2)
        let hub = try await TestSocket.connect(lesson.url(first, "t-hub"))
        _ = try await hub.next("welcome")
        let student = try await TestSocket.connect(lesson.url(first, "s1-0"))
        _ = try await student.next("welcome")
        try await hub.send(#"{"type":"lesson.start","id":"go"}"#)
        _ = try await hub.next("ack")
        let running = try await hub.next("lesson.state")
        #expect((running["state"] as? [String: Any])?["status"] as? String == "running")
        try await first.stop()
        await firstStore.shutdown()

        let secondStore = try await PostgresStore.connect(url)
        let second = try await RunningServer.start(store: secondStore)
        let (status, body) = try await second.request(.get, "/v1/lessons/L1")
        #expect(status == 200)
        #expect(try JSON.object(body)["classroom_ids"] as? [String] == ["c1", "c2"])
        let (_, eventsBody) = try await second.request(.get, "/v1/lessons/L1/events")
        let events = try JSON.object(eventsBody)["events"] as! [[String: Any]]
        let seqs = events.compactMap { ($0["seq"] as? NSNumber)?.int64Value }
        #expect(!seqs.isEmpty && seqs == Array(1...Int64(seqs.count)), "the log is numbered 1...n")
        #expect(events.map { $0["kind"] as! String }.filter { $0 == "presence.joined" }.count == 2)
        let again = try await TestSocket.connect(lesson.url(second, "s2-1"))
        let welcome = try await again.next("welcome")
        let state = welcome["lesson_state"] as! [String: Any]
        #expect(state["status"] as? String == "running")
        #expect((state["phase"] as? [String: Any])?["id"] as? String == "organisation")
        try await second.stop()
        await secondStore.shutdown()
    }

    @Test func aDatabaseThatIsGoneAnswers503StoreUnavailable() async throws {
        let store = try await PostgresStore.connect(try TestPostgres.freshURL(), timeout: .seconds(2))
        let server = try await RunningServer.start(store: store)
        #expect(try await server.request(.get, "/v1/schools").status == 200)
        await store.shutdown()  // as if the database went away: the pool is closed
        let (status, body) = try await server.request(.get, "/v1/schools")
        #expect(status == 503)
        #expect(body.contains("store_unavailable"))
        #expect(try await server.request(.get, "/healthz").status == 200, "the server itself keeps running")
        try await server.stop()
    }
}
