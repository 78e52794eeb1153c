import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// The real `tirek` binary, killed with SIGKILL mid-lesson and started again on the same
/// database: the student's attendance runs on across the crash (closed at the last heartbeat,
/// counted again from the reconnect), and `tirek report` reads it from the database.
/// Needs `.build/debug/tirek` (scripts/test.sh builds it before running the tests).
@Suite(.serialized) struct AttendanceProcessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/tirek")
    static let adminKey = "process-test-admin-key"

    /// A `tirek serve` subprocess on 127.0.0.1 and a port of its choosing.
    final class Tirek: @unchecked Sendable {
        let process = Process()
        let port: Int

        init(database: String) async throws {
            process.executableURL = AttendanceProcessTests.binary
            process.arguments = ["serve", "--db", database, "--host", "127.0.0.1", "--port", "0",
                                 "--admin-key", AttendanceProcessTests.adminKey, "--heartbeat", "1",
                                 "--attendance-heartbeat", "1", "--log-level", "error"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // "Tirek listening on http://127.0.0.1:<port> (database …)"
            var text = ""
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, !text.contains(" (database") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { try await Task.sleep(for: .milliseconds(20)); continue }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = text.range(of: "127.0.0.1:"),
                  let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
                process.terminate()
                throw TestFailure("tirek serve did not report its port: \(text)")
            }
            self.port = port
        }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }

        var http: AdminHTTP { AdminHTTP(port: port, adminKey: AttendanceProcessTests.adminKey) }

        func request(_ method: HTTPRequest.Method, _ path: String, json: String? = nil) async throws -> (status: Int, body: String) {
            try await http.request(method, path, json: json)
        }

        func create(_ path: String, _ json: String) async throws -> [String: Any] {
            try await http.create(path, json)
        }
    }

    /// Runs `tirek <arguments>` to completion and returns its standard output.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.timeLimit(.minutes(1))) func sigkillMidLessonAndRestart() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path),
                     "\(Self.binary.path) is missing: build it first (scripts/test.sh does)")
        let database = RunningServer.temporaryDatabase()
        var tirek = try await Tirek(database: database)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await tirek.create("/v1/schools", #"{"id":"hub","name":"Hub School","kind":"hub"}"#)
        _ = try await tirek.create("/v1/schools", #"{"id":"school1","name":"Small School 1","kind":"small"}"#)
        _ = try await tirek.create("/v1/teachers", #"{"id":"t-hub","school_id":"hub","name":"Hub Teacher"}"#)
        _ = try await tirek.create("/v1/classrooms", #"{"id":"c1","school_id":"school1","name":"Class 1","grade":7}"#)
        _ = try await tirek.create("/v1/students", #"{"id":"s1","classroom_id":"c1","name":"Aru","external_id":"EJ-1","has_device":true}"#)
        let created = try await tirek.create("/v1/lessons", #"{"id":"LP","subject":"Physics","topic":"Buoyancy","grade":7,"scheduled_start":\#(now + 60_000),"hub_teacher_id":"t-hub","classroom_ids":["c1"]}"#)
        var tokens: [String: String] = [:]
        for link in created["links"] as! [[String: Any]] {
            tokens[(link["participant"] as! [String: Any])["id"] as! String] = link["token"] as? String
        }
        func connect(_ who: String) async throws -> TestSocket {
            let socket = try await TestSocket.connect("ws://127.0.0.1:\(tirek.port)/v1/ws?token=\(tokens[who]!)")
            _ = try await socket.next("welcome")
            return socket
        }

        let hub = try await connect("t-hub")
        try await hub.request(#"{"type":"lesson.start","id":"go"}"#, id: "go")
        let student = try await connect("s1")
        try await Task.sleep(for: .milliseconds(2500))
        try await student.sync("alive")
        let killedAt = Int64(Date().timeIntervalSince1970 * 1000)
        tirek.kill9()

        try await Task.sleep(for: .seconds(2))
        tirek = try await Tirek(database: database)
        let hubAgain = try await connect("t-hub")
        let studentAgain = try await connect("s1")
        try await Task.sleep(for: .milliseconds(1500))

        // The log: first session closed by crash recovery at its last heartbeat, just before the kill.
        let (_, eventsText) = try await tirek.request(.get, "/v1/lessons/LP/events?limit=10000")
        let events = try JSON.object(eventsText)["events"] as! [[String: Any]]
        let joins = events.filter { $0["kind"] as? String == "presence.joined" && $0["actor"] as? String == "s1" }
        let started = try #require(events.first { (($0["body"] as? [String: Any])?["why"] as? String) == "started" })
        let recovered = events.filter { $0["kind"] as? String == "attendance.recovered" }
        #expect(joins.count == 2)
        #expect(recovered.count == 2, "the hub teacher's and the student's connections")
        let firstConnection = (joins.first?["body"] as? [String: Any])?["connection"] as? Int
        let studentClose = try #require(recovered.first { ($0["body"] as? [String: Any])?["connection_id"] as? String == firstConnection.map(String.init) })
        let closedAt = try #require(studentClose["at"] as? Int64)
        let joinedAt = try #require(joins.first?["at"] as? Int64)
        let rejoinedAt = try #require(joins.last?["at"] as? Int64)
        let startedAt = try #require(started["at"] as? Int64)
        #expect(closedAt <= killedAt && killedAt - closedAt < 1500, "closed at the last heartbeat: \(killedAt - closedAt) ms before the kill")
        #expect(closedAt - joinedAt >= 1500, "the time before the crash is kept (up to one heartbeat interval)")

        // The report counts both sessions, with the downtime as the one gap.
        let (status, text) = try await tirek.request(.get, "/v1/lessons/LP/attendance")
        #expect(status == 200)
        let report = try JSON.object(text)
        let generatedAt = try #require(report["generated_at"] as? Int64)
        let row = try #require((report["students"] as? [[String: Any]])?.first)
        #expect(row["student_id"] as? String == "s1")
        #expect(row["online_ms"] as? Int64 == (closedAt - max(joinedAt, startedAt)) + (generatedAt - rejoinedAt))
        #expect(row["joins"] as? Int == 2 && row["drops"] as? Int == 1)
        #expect(row["longest_gap_min"] as? Double == Double(((rejoinedAt - closedAt) + 3000) / 6000) / 10)
        #expect(report["final"] as? Bool == false)

        // `tirek report` on the same database, beside the running server.
        let csv = try Self.run(["report", "--db", database, "--lesson", "LP"])
        let rows = CSVReader.parse(csv)
        #expect(rows.count == 2 && rows[1].prefix(8) == ["LP", "s1", "Aru", "EJ-1", "c1", "Class 1", "school1", "Small School 1"])
        let json = try JSON.object(try Self.run(["report", "--db", database, "--lesson", "LP", "--format", "json"]))
        #expect((json["students"] as? [[String: Any]])?.first?["joins"] as? Int == 2)

        // The lesson has not ended, so the per-school report does not count it yet.
        let schools = try JSON.object(try Self.run(["report", "schools", "--db", database,
                                                    "--from", String(now - 86_400_000), "--to", String(now + 86_400_000)]))
        #expect((schools["lessons"] as? [Any])?.isEmpty == true)
        #expect((schools["schools"] as? [Any])?.isEmpty == true)

        _ = hubAgain
        _ = studentAgain
        tirek.stop()
    }
}
