import Foundation
import NIOCore

/// The text of the WebSocket opening handshake, client side: the upgrade request and the parts of
/// the response head a client checks. Shared by `UpgradeHandshake` (NIO clients), `ReaderConnection`
/// (the load generator's readers) and the load generator's stalled subscribers.
package enum UpgradeText {
    /// Longest response head accepted.
    package static let maxHeadBytes = 16 << 10

    /// The upgrade request for `target`, with a fresh random key.
    package static func request(for target: WireURL, origin: String?) -> ByteBuffer {
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = ByteBuffer()
        request.writeString("GET \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
        request.writeString("Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n")
        if let origin { request.writeString("Origin: \(origin)\r\n") }
        request.writeString("\r\n")
        return request
    }

    /// Index just past the blank line that ends the head, if it has arrived.
    package static func headEnd(_ view: ByteBufferView) -> Int? {
        var i = view.startIndex
        while i + 3 < view.endIndex {
            if view[i] == 13, view[i + 1] == 10, view[i + 2] == 13, view[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }

    /// The status code of `HTTP/1.1 101 Switching Protocols`.
    package static func statusCode(_ head: String) -> Int? {
        let parts = head.prefix { $0 != "\r" }.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(parts[1])
    }
}
