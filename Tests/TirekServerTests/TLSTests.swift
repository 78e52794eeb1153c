import Foundation
import NIOSSL
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// Native TLS: the server speaks https and wss itself, with a certificate the client verifies.
@Suite struct TLSTests {
    /// A throwaway self-signed certificate for 127.0.0.1, made with the openssl command.
    static func certificate() throws -> (cert: String, key: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw TestFailure("openssl req failed") }
        return (cert, key)
    }

    @Test func wssJoinsALessonAndPlainWebSocketsAreNotServed() async throws {
        let (cert, key) = try Self.certificate()
        let server = try await RunningServer.start {
            $0.tlsCertificatePath = cert
            $0.tlsKeyPath = key
        }
        // The admin API over plain HTTP on a TLS port fails; the lesson is created through the store.
        let plain = try? await server.request(.get, "/healthz", admin: false)
        #expect(plain == nil || plain?.status != 200, "plain HTTP is not served on the TLS port")

        let store = server.app.store
        try await store.save(School(id: "hub", name: "Hub", kind: .hub))
        try await store.save(School(id: "sm", name: "Small", kind: .small))
        try await store.save(Teacher(id: "t-hub", schoolID: "hub", name: "Hub Teacher"))
        try await store.save(Classroom(id: "c1", schoolID: "sm", name: "7A", grade: 7))
        try await store.save(Student(id: "s1-0", classroomID: "c1", name: "Student", hasDevice: true))
        let now = SystemClock().now()
        try await store.save(LessonRecord(id: "L1", subject: "Math", topic: "Fractions", grade: 7,
                                          scheduledStart: Instant(millis: now.millis + 60_000), phaseMinutes: [:],
                                          hubTeacherID: "t-hub", classroomIDs: ["c1"], studentIDs: [], guestIDs: [], createdAt: now))
        let roster = try #require(try await store.roster(for: "L1"))
        let token = try #require(server.app.links.links(for: roster, now: now).first { $0.participant.id == "s1-0" }?.token)

        var client = TLSConfiguration.makeClientConfiguration()
        client.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(cert))
        let socket = try await TestSocket.connect("wss://127.0.0.1:\(server.port)/v1/ws?token=\(token)", tls: client)
        let welcome = try await socket.next("welcome")
        #expect((welcome["you"] as? [String: Any])?["id"] as? String == "s1-0")
        await socket.close()

        // A client that does not trust the certificate is refused by TLS itself.
        var untrusting = TLSConfiguration.makeClientConfiguration()
        untrusting.trustRoots = .certificates([])
        await #expect(throws: (any Error).self) {
            _ = try await TestSocket.connect("wss://127.0.0.1:\(server.port)/v1/ws?token=\(token)", tls: untrusting, timeout: .seconds(5))
        }
        try await server.stop()
    }

    @Test func aMissingCertificateIsAClearStartupError() async throws {
        var config = ServerConfig(adminKey: "k", port: 0)
        config.databasePath = RunningServer.temporaryDatabase()
        config.tlsCertificatePath = "/nonexistent/cert.pem"
        config.tlsKeyPath = "/nonexistent/key.pem"
        await #expect {
            _ = try await TirekApp.make(config: config)
        } throws: { "\($0)".hasPrefix("tls_certificate_unreadable") }
        config.tlsKeyPath = nil
        await #expect {
            _ = try await TirekApp.make(config: config)
        } throws: { "\($0)".hasPrefix("tls_incomplete") }
    }
}
