import Foundation
import NIOCore
import TirekCore

/// A JSON control message the server sends. `type` is its wire name.
public protocol ServerMessage: Encodable, Sendable {
    static var type: String { get }
}

/// Encodes server messages as `{"type": ..., "id": ..., <fields>}` into a `ByteBuffer`.
/// A broadcast is encoded once and the same buffer goes to every recipient.
public struct ServerEncoder: Sendable {
    public init() {}

    private struct Framed<M: ServerMessage>: Encodable {
        let message: M
        let id: String?
        enum Keys: String, CodingKey { case type, id }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(M.type, forKey: .type)
            try c.encodeIfPresent(id, forKey: .id)
            try message.encode(to: encoder)
        }
    }

    public func encode<M: ServerMessage>(_ message: M, id: String? = nil) -> ByteBuffer {
        do {
            let data = try JSONEncoder.sorted.encode(Framed(message: message, id: id))
            return ByteBuffer(bytes: data)
        } catch {
            // Encoding our own value types cannot fail unless a Double is NaN/inf; never crash.
            return ByteBuffer(string: #"{"type":"error","code":"internal","message":"encoding failed"}"#)
        }
    }
}

/// `ack`: the request with this `id` was accepted (and persisted, where it changes state).
public struct Ack: ServerMessage {
    public static let type = "ack"
    /// The request's type, for clients that log.
    public var of: String
    public init(of: String) { self.of = of }
}

/// `error`: the request with this `id` (if it had one) was refused; nothing changed.
public struct ErrorReply: ServerMessage {
    public static let type = "error"
    public var code: ErrorCode
    public var message: String
    /// For `rate_limited` and `join_rate_limited`: when to try again, in milliseconds.
    public var retryAfterMs: Int64?

    enum CodingKeys: String, CodingKey {
        case code, message
        case retryAfterMs = "retry_after_ms"
    }

    public init(code: ErrorCode, message: String, retryAfterMs: Int64? = nil) {
        self.code = code
        self.message = message
        self.retryAfterMs = retryAfterMs
    }
}

/// `pong`: answer to `ping`, with the server clock for countdown alignment.
public struct Pong: ServerMessage {
    public static let type = "pong"
    public var t: Int64?
    public var serverTime: Instant

    enum CodingKeys: String, CodingKey {
        case t
        case serverTime = "server_time"
    }

    public init(t: Int64?, serverTime: Instant) {
        self.t = t
        self.serverTime = serverTime
    }
}

/// `server_closing`: the server is shutting down; reconnect after the hinted delay.
public struct ServerClosing: ServerMessage {
    public static let type = "server_closing"
    public var reason: String
    public var reconnectAfterMs: Int64

    enum CodingKeys: String, CodingKey {
        case reason
        case reconnectAfterMs = "reconnect_after_ms"
    }

    public init(reason: String, reconnectAfterMs: Int64) {
        self.reason = reason
        self.reconnectAfterMs = reconnectAfterMs
    }
}

/// `presence`: someone joined, left, or came back.
public struct PresenceEvent: ServerMessage {
    public static let type = "presence"
    public enum Change: String, Codable, Sendable {
        case joined, left, reconnected
    }
    public var change: Change
    public var participant: Participant
    public var at: Instant
    /// How many connections this participant has open now (a student on two devices has 2).
    public var connections: Int

    public init(change: Change, participant: Participant, at: Instant, connections: Int) {
        self.change = change
        self.participant = participant
        self.at = at
        self.connections = connections
    }
}

extension JSONEncoder {
    /// Tirek's one JSON encoding for wire messages, log bodies, stored documents and token claims:
    /// keys sorted (stable bytes for the same value), slashes unescaped.
    public static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
