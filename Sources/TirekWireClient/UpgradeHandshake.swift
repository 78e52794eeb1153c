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
        guard let end = UpgradeText.headEnd(view) else {
            if buffer.readableBytes > UpgradeText.maxHeadBytes { fail(context, WireError.badHandshake("response head too long")) }
            return
        }
        let headBytes = buffer.readSlice(length: end - view.startIndex)!
        done = true
        head = nil
        let text = String(buffer: headBytes)
        guard let code = UpgradeText.statusCode(text) else {
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
}
