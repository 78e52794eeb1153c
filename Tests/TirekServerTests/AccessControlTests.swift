import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// Origin checks, join pacing and the failed-admin-key limit, over real sockets.
@Suite struct AccessControlTests {
    @Test func pagesFromOtherOriginsCannotOpenALesson() async throws {
        let server = try await RunningServer.start { $0.allowedOrigins = ["https://portal.edu.kz"] }
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let path = "/v1/ws?token=\(lesson.token("s1-0"))"
        for origin in ["https://evil.example", "null", "http://127.0.0.1:1"] {
            let frames = try await RawWebSocket.connect(port: server.port, path: path, headers: ["Origin: \(origin)"]).framesUntilClose()
            #expect(frames.map(\.opcode) == [1, 8], "\(origin)")
            #expect(try JSON.object(frames.first?.text ?? "")["code"] as? String == "origin_not_allowed")
            #expect(frames.last?.closeCode == 4403)
        }
        // The server's own pages, a configured portal and native clients get in.
        for headers in [["Origin: http://127.0.0.1:\(server.port)"], ["Origin: https://portal.edu.kz"], []] {
            let frames = try await RawWebSocket.connect(port: server.port, path: path, headers: headers).framesUntil(type: "welcome")
            #expect(frames.last.map { try? JSON.object($0.text)["type"] as? String } == "welcome", "\(headers)")
        }
        try await server.stop()
    }

    @Test func joinsBeyondTheBurstAreToldWhenToComeBack() async throws {
        let server = try await RunningServer.start {
            $0.joinLimits.burst = 2
            $0.joinLimits.perSecond = 1
        }
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 3)
        var replies: [[String: Any]] = []
        for id in ["s1-0", "s1-1", "s1-2"] {
            let frames = try await RawWebSocket.connect(port: server.port, path: "/v1/ws?token=\(lesson.token(id))").framesUntil(type: "welcome")
            replies.append(try JSON.object(frames.first?.text ?? ""))
            if id == "s1-2" { #expect(frames.last?.closeCode == 4429) }
        }
        #expect(replies.map { $0["type"] as? String } == ["welcome", "welcome", "error"])
        #expect(replies[2]["code"] as? String == "join_rate_limited")
        let hint = try #require(replies[2]["retry_after_ms"] as? Int)
        #expect(hint > 0 && hint <= 1_000)
        try await Task.sleep(for: .milliseconds(hint))
        let again = try await RawWebSocket.connect(port: server.port, path: "/v1/ws?token=\(lesson.token("s1-2"))").framesUntil(type: "welcome")
        #expect(try JSON.object(again.first?.text ?? "")["type"] as? String == "welcome", "admitted after the hint")
        #expect(server.app.metrics.render().contains("tirek_upgrades_refused_total 1"))
        try await server.stop()
    }

    @Test func guessingTheAdminKeyIsCutOffPerAddress() async throws {
        let server = try await RunningServer.start()
        let wrong = AdminHTTP(port: server.port, adminKey: "guess")
        for _ in 0..<10 {
            let (code, body) = try await wrong.request(.get, "/v1/schools")
            #expect(code == 401 && body.contains("admin_key_invalid"))
        }
        let (code, body) = try await wrong.request(.get, "/v1/schools")
        #expect(code == 429 && body.contains("admin_rate_limited"), "\(code) \(body)")
        let (right, rightBody) = try await server.request(.get, "/v1/schools")
        #expect(right == 429 && rightBody.contains("admin_rate_limited"), "even the right key waits: guesses cannot continue")
        try await server.stop()
    }

    /// Behind the nginx proxy (`--trusted-proxy`), the limit is per client as the proxy names it:
    /// one office's typos do not lock out another. Without that option, `X-Forwarded-For` is ignored,
    /// so a guesser cannot dodge the limit by sending a new address each time.
    @Test func behindATrustedProxyTheLimitIsPerForwardedClient() async throws {
        let proxied = try await RunningServer.start { $0.trustedProxies = ["127.0.0.1"] }
        let guesser = AdminHTTP(port: proxied.port, adminKey: "guess", forwardedFor: "203.0.113.5")
        for _ in 0..<10 { _ = try await guesser.request(.get, "/v1/schools") }
        #expect(try await guesser.request(.get, "/v1/schools").status == 429)
        let office = AdminHTTP(port: proxied.port, adminKey: RunningServer.adminKey, forwardedFor: "198.51.100.20")
        #expect(try await office.request(.get, "/v1/schools").status == 200, "another client behind the proxy is not locked out")
        try await proxied.stop()

        let direct = try await RunningServer.start()
        for n in 0..<10 {
            _ = try await AdminHTTP(port: direct.port, adminKey: "guess", forwardedFor: "203.0.113.\(n)").request(.get, "/v1/schools")
        }
        let spoofing = AdminHTTP(port: direct.port, adminKey: RunningServer.adminKey, forwardedFor: "198.51.100.20")
        #expect(try await spoofing.request(.get, "/v1/schools").status == 429, "an untrusted X-Forwarded-For changes nothing")
        try await direct.stop()
    }
}
