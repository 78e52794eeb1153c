import Foundation
import NIOCore

/// The client side of the WebSocket opening handshake, as the first handler of the pipeline: sends
/// the upgrade request when the channel becomes active, reads the response head, and passes every
/// byte after it on to the WebSocket frame decoder, which is already in place. Nothing the server
/// sends together with its `101` can be lost (HummingbirdWSClient installs its WebSocket handlers
/// only after the `101` and, under load, loses the frames and even the close that came with it).
final class UpgradeHandshake: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Longest response head accepted.
    static let maxHeadBytes = 16 << 10

    private let request: ByteBuffer
    private let status: EventLoopPromise<Int>
    private var head: ByteBuffer?
    private var done = false

    init(request: ByteBuffer, status: EventLoopPromise<Int>) {
        self.request = request
        self.status = status
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !done else {
            context.fireChannelRead(data)
            return
        }
        if head == nil { head = bytes } else { head!.writeBuffer(&bytes) }
        guard var buffer = head else { return }
        let view = buffer.readableBytesView
        guard let end = Self.headEnd(view) else {
            if buffer.readableBytes > Self.maxHeadBytes { fail(context, WireError.badHandshake("response head too long")) }
            return
        }
        let headBytes = buffer.readSlice(length: end - view.startIndex)!
        done = true
        head = nil
        let text = String(buffer: headBytes)
        guard let code = Self.statusCode(text) else {
            fail(context, WireError.badHandshake(String(text.prefix(80))))
            return
        }
        status.succeed(code)
        if code != 101 {
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(buffer)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { status.fail(WireError.badHandshake("connection closed during the handshake")) }
        done = true
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { fail(context, error) } else { context.fireErrorCaught(error) }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        done = true
        status.fail(error)
        context.close(promise: nil)
    }

    /// The upgrade request for `target`, with a fresh random key.
    static func request(for target: WireURL, origin: String?) -> ByteBuffer {
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = ByteBuffer()
        request.writeString("GET \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
        request.writeString("Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n")
        if let origin { request.writeString("Origin: \(origin)\r\n") }
        request.writeString("\r\n")
        return request
    }

    /// Index just past the blank line that ends the head, if it has arrived.
    static func headEnd(_ view: ByteBufferView) -> Int? {
        var i = view.startIndex
        while i + 3 < view.endIndex {
            if view[i] == 13, view[i + 1] == 10, view[i + 2] == 13, view[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }

    /// The status code of `HTTP/1.1 101 Switching Protocols`.
    static func statusCode(_ head: String) -> Int? {
        let parts = head.prefix { $0 != "\r" }.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(parts[1])
    }
}
