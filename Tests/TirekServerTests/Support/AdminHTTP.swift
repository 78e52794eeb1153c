import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// The admin API of a Tirek server on 127.0.0.1, over plain HTTP/1.1.
struct AdminHTTP: Sendable {
    let port: Int
    let adminKey: String
    /// Sent as `X-Forwarded-For`, as a reverse proxy would.
    var forwardedFor: String?

    func request(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, admin: Bool = true) async throws -> (status: Int, body: String) {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { [adminKey, forwardedFor] client in
            var headers: HTTPFields = [:]
            if admin { headers[.authorization] = "Bearer \(adminKey)" }
            if json != nil { headers[.contentType] = "application/json" }
            if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
            let response = try await client.execute(.init(path, method: method, headers: headers,
                                                           body: json.map { ByteBuffer(string: $0) }))
            return (response.status.code, response.body.map { String(buffer: $0) } ?? "")
        }
    }

    /// POSTs JSON and expects 201; returns the decoded body.
    func create(_ path: String, _ json: String) async throws -> [String: Any] {
        let (status, body) = try await request(.post, path, json: json)
        guard status == 201 else { throw TestFailure("POST \(path) gave \(status): \(body)") }
        return try JSON.object(body)
    }
}
