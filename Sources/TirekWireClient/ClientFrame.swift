/// A client-to-server WebSocket frame as bytes: FIN set, masked with a random key (RFC 6455 §5.3),
/// for the control frames `SocketReaders` writes itself (pong, close: at most 125 bytes of payload).
enum ClientFrame {
    static let pong: UInt8 = 0xA
    static let close: UInt8 = 0x8

    static func encode(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= 125, "control frames carry at most 125 bytes")
        let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        var out: [UInt8] = [0x80 | opcode, 0x80 | UInt8(payload.count)] + key
        for (i, byte) in payload.enumerated() { out.append(byte ^ key[i % 4]) }
        return out
    }

    /// The code a client sends back when the server closed with `received` (nil: no code, 1005):
    /// the same code, or 1000 where 1005 came, since 1005 must not be sent (RFC 6455 §7.4.1).
    static func closeAnswer(to received: UInt16?) -> UInt16 {
        guard let received, received != 1005 else { return 1000 }
        return received
    }

    /// A close frame with `code` and `reason` (cut to fit).
    static func close(code: UInt16, reason: String = "") -> [UInt8] {
        encode(opcode: close, payload: [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8.prefix(123)))
    }
}
