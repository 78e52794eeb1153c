import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization

public enum WireError: Error, CustomStringConvertible {
    case invalidURL(String)
    case badHandshake(String)
    /// The server answered the upgrade request with this HTTP status instead of 101.
    case notUpgraded(status: Int)
    /// The socket could not be opened or connected (`errno`).
    case connectFailed(errno: Int32)

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid WebSocket URL: \(url)"
        case .badHandshake(let why): "bad WebSocket handshake: \(why)"
        case .notUpgraded(let status): "upgrade refused with HTTP \(status)"
        case .connectFailed(let code): "could not connect: \(String(cString: strerror(code)))"
        }
    }
}

/// A message from the server.
public enum WireMessage: Sendable {
    case text(String)
    case binary(ByteBuffer)
}

/// A small WebSocket client for Tirek's load generator, soak and tests. All its handlers are in the
/// pipeline before the connection opens (see `UpgradeHandshake`), so it sees every frame, and every
/// close, that the server sends right after the `101`.
public enum WireSocket {
    /// Connects to `url` (`ws://` or `wss://` with `tls`), upgrades, and runs `body` with the server's
    /// messages and a writer. Returns the close code the server sent, if it sent one. Throws
    /// `WireError.notUpgraded` when the server answers with another HTTP status.
    public static func connect(_ url: String, origin: String? = nil, tls: TLSConfiguration? = nil, serverHostname: String? = nil,
                               maxFrameSize: Int = 1 << 20,
                               _ body: @Sendable (inout WireInbound, WireWriter) async throws -> Void) async throws -> UInt16? {
        let channel = try await upgrade(url, origin: origin, tls: tls, serverHostname: serverHostname, maxFrameSize: maxFrameSize) { channel in
            try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
        }
        return try await channel.executeThenClose { inbound, outbound in
            let writer = WireWriter(outbound: outbound)
            var messages = WireInbound(frames: inbound.makeAsyncIterator(), writer: writer)
            try await body(&messages, writer)
            return messages.closeCode
        }
    }

    /// Opens the connection with every handler in place, completes the upgrade, and returns what
    /// `wrap` made of the channel (called on its event loop, after the frame decoder and encoder are added).
    private static func upgrade<Wrapped: Sendable>(_ url: String, origin: String?, tls: TLSConfiguration?, serverHostname: String?,
                                                   maxFrameSize: Int,
                                                   wrap: @escaping @Sendable (any Channel) throws -> Wrapped) async throws -> Wrapped {
        let target = try WireURL(url)
        let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }
        let upgradeRequest = UpgradeText.request(for: target, origin: origin)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let status = loop.makePromise(of: Int.self)
        let (channel, wrapped) = try await ClientBootstrap(group: loop).connect(host: target.host, port: target.port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let ops = channel.pipeline.syncOperations
                if let sslContext {
                    try ops.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname ?? target.host))
                }
                try ops.addHandler(UpgradeHandshake(request: upgradeRequest, status: status))
                try ops.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)))
                try ops.addHandler(WebSocketFrameEncoder())
                return (channel, try wrap(channel))
            }
        }
        let code: Int
        do {
            code = try await status.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        guard code == 101 else {
            try? await channel.close()
            throw WireError.notUpgraded(status: code)
        }
        return wrapped
    }
}

/// The server's messages, in order: answers pings, answers a close and then ends.
public struct WireInbound {
    var frames: NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator
    let writer: WireWriter
    /// The close code the server sent, once it closed.
    public private(set) var closeCode: UInt16?
    private var assembler = MessageAssembler()

    init(frames: NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator, writer: WireWriter) {
        self.frames = frames
        self.writer = writer
    }

    /// The next text or binary message; nil once the server closed or the connection ended.
    public mutating func next() async throws -> WireMessage? {
        while let frame = try await frames.next() {
            switch frame.opcode {
            case .text, .binary, .continuation:
                if let message = assembler.add(frame) {
                    return message.isText ? .text(String(buffer: message.data)) : .binary(message.data)
                }
            case .ping:
                try? await writer.write(.pong, frame.unmaskedData)
            case .connectionClose:
                var data = frame.unmaskedData
                let received = data.readInteger(as: UInt16.self)
                closeCode = received ?? 1005
                try? await writer.close(code: ClientFrame.closeAnswer(to: received), reason: "")
                return nil
            default:
                continue
            }
        }
        return nil
    }
}

/// Sends masked frames to the server.
public struct WireWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    /// Whether a close frame went out (only one may, and nothing after it).
    private let closeSent = CloseSent()

    init(outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>) {
        self.outbound = outbound
    }

    private final class CloseSent: Sendable {
        let value = Atomic(false)
    }

    public func send(text: String) async throws {
        try await write(.text, ByteBuffer(string: text))
    }

    public func send(binary: ByteBuffer) async throws {
        try await write(.binary, binary)
    }

    /// Sends a close frame; the server answers with its own and closes the connection.
    public func close(code: UInt16 = 1000, reason: String = "") async throws {
        guard !closeSent.value.exchange(true, ordering: .relaxed) else { return }
        var data = ByteBuffer()
        data.writeInteger(code)
        data.writeString(reason)
        try await write(.connectionClose, data)
    }

    func write(_ opcode: WebSocketOpcode, _ data: ByteBuffer) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data))
    }
}

/// `ws://host:port/path?query` or `wss://…`.
package struct WireURL {
    let host: String
    package let port: Int
    let path: String
    let hostHeader: String
    let secure: Bool

    package init(_ url: String) throws {
        let rest: Substring
        if url.hasPrefix("ws://") {
            secure = false
            rest = url.dropFirst(5)
        } else if url.hasPrefix("wss://") {
            secure = true
            rest = url.dropFirst(6)
        } else {
            throw WireError.invalidURL(url)
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let tail = rest.dropFirst(authority.count)
        path = tail.isEmpty ? "/" : (tail.first == "?" ? "/" + tail : String(tail))
        hostHeader = String(authority)
        if let colon = authority.lastIndex(of: ":"), let p = Int(authority[authority.index(after: colon)...]) {
            host = String(authority[..<colon])
            port = p
        } else {
            host = String(authority)
            port = secure ? 443 : 80
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw WireError.invalidURL(url) }
    }
}
