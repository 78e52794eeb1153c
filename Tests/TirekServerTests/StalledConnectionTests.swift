import Foundation
import NIOCore
import Testing
import TirekCore
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// A school's link stalls: its socket stops reading while the hub teacher streams. The server closes
/// it once a write has been stuck for the stall timeout (2 s in tests), counts it in
/// `tirek_slow_connections_closed_total`, and the student who comes back is counted for both
/// connections, no more and no less.
@Suite struct StalledConnectionTests {
    @Test func aStalledConnectionIsClosedAndTheStudentsReturnCountsInFull() async throws {
        let clock = ManualClock(start: LessonTime.at(-1))
        let server = try await RunningServer.start(clock: clock) { $0.heartbeatSeconds = 60 }
        let lesson = try await LessonFixture.make(on: server, id: "L-stall", classrooms: 1, students: 1,
                                                  startsInMillis: 60_000, now: LessonTime.at(-1).millis, observer: false)
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        // Upgrades, then never reads a byte, with a small receive buffer.
        let stalled = try await RawWebSocket.connect(port: server.port, path: "/v1/ws?token=\(lesson.token("s1-0"))", receiveBuffer: 4096)
        // It reads nothing, so it cannot see its welcome: wait until the server has logged its join
        // (the gauge counts a connection once its join is logged) before the clock moves.
        #expect(try await server.waitForMetric("tirek_connections", toBe: 2) == 2, "the stalled connection joined")
        LessonTime.advance(clock, to: 0)
        _ = try await hub.next("lesson.transition")
        LessonTime.advance(clock, to: 2)

        // The hub streams 8 KB camera keyframes until the stalled connection is closed.
        let payload = [UInt8](repeating: 0x9d, count: 8 << 10)
        var closed = 0.0
        for sequence in 0..<2000 where closed < 1 {
            let frame = MediaHeader(track: .camera, flags: .keyframe, sequence: UInt32(sequence), timestamp: UInt64(sequence) * 33_000)
                .frame(payload: payload)
            try await hub.send(binary: frame)
            try await Task.sleep(for: .milliseconds(5))
            closed = server.metric("tirek_slow_connections_closed_total")
        }
        #expect(closed == 1, "the stalled connection is closed within 10 s")
        #expect(try await server.waitForMetric("tirek_connections", toBe: 1) == 1, "only the hub teacher is still connected")

        // Minute 5: the student is back; minute 10: the lesson ends.
        LessonTime.advance(clock, to: 5)
        let back = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await back.next("welcome")
        LessonTime.advance(clock, to: 10)
        try await hub.request(#"{"type":"lesson.end","id":"end"}"#, id: "end")
        let (status, text) = try await server.request(.get, "/v1/lessons/L-stall/attendance")
        #expect(status == 200)
        let row = try #require((try JSON.object(text)["students"] as? [[String: Any]])?.first)
        #expect(row["online_ms"] as? Int == 7 * 60_000, "minutes 0–2 on the stalled connection, 5–10 on the new one: \(row)")
        #expect(row["joins"] as? Int == 2)
        stalled.shutdown() // (already closed by the server unless the test failed above)
        await back.close()
        try await server.stop()
    }
}
