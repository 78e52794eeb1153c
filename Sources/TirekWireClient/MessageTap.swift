import NIOCore
import NIOWebSocket

/// The end of a `WireSocket.listen` pipeline: reads the connection's frames with a `FrameScanner`
/// and hands each text or binary message's first bytes and length to a callback on the event loop;
/// answers pings, and answers the server's close with one of its own before closing. Completes
/// `ended` with the server's close code when the connection ends.
final class MessageTap: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private let receive: @Sendable (_ prefix: ByteBuffer, _ length: Int, _ isText: Bool) -> Void
    private let ended: EventLoopPromise<UInt16?>
    private var closeCode: UInt16?
    private var scanner: FrameScanner

    init(prefixBytes: Int, maxFrameSize: Int, receive: @escaping @Sendable (ByteBuffer, Int, Bool) -> Void,
         ended: EventLoopPromise<UInt16?>) {
        scanner = FrameScanner(prefixBytes: prefixBytes, maxFrameSize: maxFrameSize)
        self.receive = receive
        self.ended = ended
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        do {
            try scanner.scan(&bytes) { event in handle(event, context: context) }
        } catch {
            // The server broke the protocol: close with 1002, as a WebSocket client must.
            guard closeCode == nil else { return }
            closeCode = 1002
            context.writeAndFlush(wrapOutboundOut(Self.closeFrame(code: 1002, reason: "")), promise: nil)
            context.close(promise: nil)
        }
    }

    private func handle(_ event: FrameScanner.Event, context: ChannelHandlerContext) {
        switch event {
        case .message(let prefix, let length, let isText):
            receive(prefix, length, isText)
        case .ping(let data):
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: data)), promise: nil)
        case .pong:
            break
        case .close(let code):
            guard closeCode == nil else { return }
            let code = code ?? 1005
            closeCode = code
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(Self.closeFrame(code: code == 1005 ? 1000 : code, reason: "")))
                .whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended.succeed(closeCode)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// A masked close frame.
    static func closeFrame(code: UInt16, reason: String) -> WebSocketFrame {
        var data = ByteBuffer()
        data.writeInteger(code)
        data.writeString(reason)
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
    }
}
