import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@_spi(Benchmarks) @testable import TirekServer

/// The browser client is served from the public folder: `/join`, ES modules as `text/javascript`,
/// and nothing outside the folder.
@Suite struct StaticFilesTests {
    static func publicFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-public-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("js"), withIntermediateDirectories: true)
        try "<!doctype html><title>join</title>".write(to: dir.appendingPathComponent("join.html"), atomically: true, encoding: .utf8)
        try "<!doctype html><title>home</title>".write(to: dir.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "export const x = 1;\n".write(to: dir.appendingPathComponent("js/app.js"), atomically: true, encoding: .utf8)
        try "secret".write(to: dir.deletingLastPathComponent().appendingPathComponent("tirek-secret-\(dir.lastPathComponent).txt"),
                          atomically: true, encoding: .utf8)
        return dir.path
    }

    func get(_ server: RunningServer, _ path: String, headers: HTTPFields = [:]) async throws -> (Int, HTTPFields, String) {
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let response = try await client.execute(.init(path, method: .get, headers: headers))
            return (response.status.code, response.headers, response.body.map { String(buffer: $0) } ?? "")
        }
    }

    @Test func servesPagesAndModulesAndRefusesTraversal() async throws {
        let folder = try Self.publicFolder()
        let server = try await RunningServer.start { $0.publicDirectory = folder }

        var (status, headers, body) = try await get(server, "/join?token=abc")
        #expect(status == 200 && body.contains("<title>join</title>"))
        #expect(headers[.contentType] == "text/html; charset=utf-8")
        (status, _, body) = try await get(server, "/")
        #expect(status == 200 && body.contains("<title>home</title>"))

        (status, headers, body) = try await get(server, "/js/app.js")
        #expect(status == 200 && body.contains("export const x"))
        #expect(headers[.contentType] == "text/javascript; charset=utf-8")
        let etag = try #require(headers[.eTag])
        (status, _, _) = try await get(server, "/js/app.js", headers: [.ifNoneMatch: etag])
        #expect(status == 304)

        let secret = "tirek-secret-\(URL(fileURLWithPath: folder).lastPathComponent).txt"
        for path in ["/../\(secret)", "/js/../../\(secret)", "/%2e%2e/\(secret)", "/js/..%2f..%2f\(secret)",
                     "/..%5c\(secret)", "/.hidden", "/js/%00app.js"] {
            (status, _, body) = try await get(server, path)
            #expect(status == 404, "\(path) gave \(status)")
            #expect(!body.contains("secret"))
        }
        #expect(StaticFiles<TirekRequestContext>.relativePath("/../etc/passwd") == nil)
        #expect(StaticFiles<TirekRequestContext>.relativePath("/js/%2E%2E/x") == nil)

        // The API is untouched: /healthz answers, an unknown file is a 404.
        (status, _, _) = try await get(server, "/healthz")
        #expect(status == 200)
        (status, _, _) = try await get(server, "/nope.js")
        #expect(status == 404)
        try await server.stop()
    }
}
