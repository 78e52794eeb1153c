import NIOCore
import NIOWebSocket

/// The end of a `WireSocket.listen` pipeline: hands each text or binary message to a callback on the
/// event loop, joins fragmented messages, answers pings, and answers the server's close with one of
/// its own before closing. Completes `ended` with the server's close code when the connection ends.
final class MessageTap: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let receive: @Sendable (ByteBuffer, Bool) -> Void
    private let ended: EventLoopPromise<UInt16?>
    private var closeCode: UInt16?
    private var assembler = MessageAssembler()

    init(receive: @escaping @Sendable (ByteBuffer, Bool) -> Void, ended: EventLoopPromise<UInt16?>) {
        self.receive = receive
        self.ended = ended
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            if let message = assembler.add(frame) { receive(message.data, message.isText) }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)),
                                  promise: nil)
        case .connectionClose:
            guard closeCode == nil else { return }
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1005
            closeCode = code
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(Self.closeFrame(code: code == 1005 ? 1000 : code, reason: "")))
                .whenComplete { _ in bound.value.close(promise: nil) }
        default:
            break
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
