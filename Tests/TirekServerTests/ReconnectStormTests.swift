import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// A school district's router restarts: every student drops at once and all reconnect at once
/// (200 by default; `TIREK_STORM_PER_CLASSROOM` × 10 classrooms for more).
/// The server admits them at its join rate, tells the rest when to come back (`retry_after_ms`),
/// and attendance counts every student exactly once for the whole lesson.
///
/// Run on its own by `scripts/test.sh` (hundreds of in-process clients would crowd the other suites).
@Suite(.serialized) struct ReconnectStormTests {
    struct Joined {
        let socket: TestSocket
        /// `join_rate_limited` replies this client obeyed before getting in.
        let hints: Int
        /// Attempts that ended with neither a welcome nor a refusal (see `join`).
        let silent: Int
    }

    /// Joins like a well-behaved client: on `join_rate_limited`, waits `retry_after_ms` and tries
    /// again. An attempt that ends with neither a welcome nor a refusal (cut, or no answer within
    /// 60 s) is retried after a second, and counted as silent.
    static func join(_ url: String) async throws -> Joined {
        var hints = 0, silent = 0
        for _ in 0..<60 {
            guard let socket = try? await TestSocket.connect(url, keepMedia: false, timeout: .seconds(30)) else {
                silent += 1
                try await Task.sleep(for: .seconds(1))
                continue
            }
            let deadline = ContinuousClock.now + .seconds(60)
            var retryAfter: Int?
            while ContinuousClock.now < deadline, retryAfter == nil {
                if !socket.received("welcome").isEmpty { return Joined(socket: socket, hints: hints, silent: silent) }
                if let error = socket.received("error").first {
                    guard error["code"] as? String == "join_rate_limited", let ms = error["retry_after_ms"] as? Int else {
                        throw TestFailure("refused: \(error)")
                    }
                    retryAfter = ms
                } else if socket.isClosed {
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            if let retryAfter {
                hints += 1
                try await Task.sleep(for: .milliseconds(retryAfter))
            } else {
                progress("silent: welcome \(socket.received("welcome").count) closed \(socket.isClosed) \(socket.textTypes())")
                silent += 1
                await socket.close()
                try await Task.sleep(for: .seconds(1))
            }
        }
        throw TestFailure("not admitted after 60 attempts")
    }

    /// Progress on stderr (unbuffered, so a hang shows where it is).
    static func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
        if let path = ProcessInfo.processInfo.environment["TIREK_STORM_PROGRESS"], let file = FileHandle(forWritingAtPath: path) {
            file.seekToEndOfFile()
            file.write(Data((line + "\n").utf8))
            try? file.close()
        }
    }

    static func joinAll(_ urls: [String]) async throws -> [Joined] {
        try await withThrowingTaskGroup(of: Joined.self) { group in
            for url in urls { group.addTask { try await join(url) } }
            var joined: [Joined] = []
            for try await one in group {
                joined.append(one)
                if joined.count % 100 == 0 { progress("storm: \(ContinuousClock.now): \(joined.count) in") }
            }
            return joined
        }
    }

    @Test func everyStudentDropsAndReconnectsAtOnce() async throws {
        let clock = ManualClock(start: LessonTime.at(-1))
        let server = try await RunningServer.start(clock: clock) {
            $0.heartbeatSeconds = 60
            $0.joinLimits.burst = 100
            $0.joinLimits.perSecond = 200
        }
        Self.progress("storm: \(ContinuousClock.now): start")
        let perClassroom = Int(ProcessInfo.processInfo.environment["TIREK_STORM_PER_CLASSROOM"] ?? "") ?? 20
        let total = perClassroom * 10
        let lesson = try await LessonFixture.make(on: server, id: "L-storm", classrooms: 10, students: perClassroom,
                                                  startsInMillis: 60_000, now: LessonTime.at(-1).millis, observer: false)
        let students = lesson.participants(role: "student")
        #expect(students.count == total)
        Self.progress("storm: \(ContinuousClock.now): lesson with \(total) students created")
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")

        // Everyone joins before the start (itself a storm), then the lesson starts on time.
        var joined = try await Self.joinAll(students.map { lesson.url(server, $0) })
        #expect(joined.count == total)
        Self.progress("storm: \(ContinuousClock.now): \(total) joined")
        LessonTime.advance(clock, to: 0)
        _ = try await hub.next("lesson.transition")
        LessonTime.advance(clock, to: 10)

        // Minute 10: every student's connection drops at once, and every one reconnects at once.
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for j in joined { group.addTask { await j.socket.close() } }
        }
        joined = try await Self.joinAll(students.map { lesson.url(server, $0) })
        let absorbed = ContinuousClock.now - started
        let hints = joined.map(\.hints)
        #expect(joined.count == total, "every student is back")
        // Never more admitted at first try than the burst and the refill over the storm allow; the
        // rest were paced (how many depends on how fast this machine's clients came back).
        let atFirstTry = joined.filter { $0.hints == 0 && $0.silent == 0 }.count
        let allowed = 100 + Int(200 * Double(absorbed.components.seconds) + 200 * Double(absorbed.components.attoseconds) / 1e18) + 1
        #expect(atFirstTry <= allowed, "\(atFirstTry) admitted at first try; the pacer allows \(allowed)")
        #expect(hints.max()! <= 5, "a client obeying its hint gets in within a few tries (max \(hints.max()!))")
        Self.progress("storm: \(total) reconnected in \(absorbed); hints obeyed \(hints.reduce(0, +)) (max \(hints.max()!) per client); silent attempts \(joined.map(\.silent).reduce(0, +))")

        // Exactly one connection per student is open: none leaked, none doubled.
        #expect(try await server.waitForMetric("tirek_connections", toBe: Double(total + 1), tries: 200) == Double(total + 1))

        // Minute 20: the lesson ends. Each student was online for the whole running time: counted
        // once (not twice for the overlap of old and new connection), and nothing lost.
        LessonTime.advance(clock, to: 20)
        try await hub.request(#"{"type":"lesson.end","id":"end"}"#, id: "end")
        let (status, text) = try await server.request(.get, "/v1/lessons/L-storm/attendance")
        #expect(status == 200)
        let report = try JSON.object(text)
        let running = (report["lesson"] as? [String: Any])?["running_ms"] as? Int
        #expect(running == 1_200_000)
        let rows = try #require(report["students"] as? [[String: Any]])
        #expect(rows.count == total)
        let wrong = rows.filter { $0["online_ms"] as? Int != running || $0["status"] as? String != "present" }
        #expect(wrong.isEmpty, "\(wrong.count) students miscounted, e.g. \(wrong.first ?? [:])")
        try await server.stop()
    }
}
