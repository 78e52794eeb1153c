import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client for the load generator's admin calls, loopback only: one
/// request per connection (`Connection: close`), the body read to the end.
enum LoopbackHTTP {
    struct Response {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The only hosts the load generator talks to.
    static func isLoopback(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "localhost"
    }

    static func request(_ method: String, port: Int, path: String, adminKey: String?, json: String? = nil) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "cannot connect to 127.0.0.1:\(port)") }
        let body = Array((json ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let adminKey { head += "Authorization: Bearer \(adminKey)\r\n" }
        if json != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send failed") }
            sent += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        guard let split = response.firstRange(of: [13, 10, 13, 10]) else { throw Failure(description: "no HTTP response head") }
        let headText = String(decoding: response[..<split.lowerBound], as: UTF8.self)
        let statusLine = headText.split(separator: "\r\n").first ?? ""
        guard let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw Failure(description: "bad status line \(statusLine)")
        }
        var payload = Array(response[split.upperBound...])
        if headText.lowercased().contains("transfer-encoding: chunked") { payload = dechunk(payload) }
        return Response(status: status, body: payload)
    }

    private static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var at = 0
        while at < data.count, let lineEnd = data[at...].firstRange(of: [13, 10]) {
            let sizeText = String(decoding: data[at..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            guard start + size <= data.count else { break }
            out += data[start..<start + size]
            at = start + size + 2
        }
        return out
    }

    /// POSTs JSON with the admin key and expects 201; returns the body.
    static func create(port: Int, adminKey: String, _ path: String, _ json: String) throws -> String {
        let response = try request("POST", port: port, path: path, adminKey: adminKey, json: json)
        guard response.status == 201 else { throw Failure(description: "POST \(path) gave \(response.status): \(response.text.prefix(300))") }
        return response.text
    }
}
