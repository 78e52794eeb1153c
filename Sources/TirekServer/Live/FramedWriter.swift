import NIOCore
import NIOWebSocket

/// Writes encoded frames (`WireFrame`) toward the socket from just before the WebSocket frame
/// encoder, so they skip it: no header buffer per connection and frame, and a shorter walk down the
/// pipeline. Anything nearer the socket (TLS) still sees them. Frames the WebSocket library writes
/// itself (pongs, the close frame) go through the encoder as before; all writes happen on the event
/// loop in call order, so they stay in order with ours.
final class FramedWriter: ChannelOutboundHandler {
    // NIO needs a handler to be inbound or outbound; writes from further up pass through unchanged.
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Adds a writer to an upgraded WebSocket channel.
    static func install(on channel: any Channel) async throws -> NIOLoopBound<FramedWriter> {
        try await channel.eventLoop.submit {
            let ops = channel.pipeline.syncOperations
            let writer = FramedWriter(eventLoop: channel.eventLoop)
            try ops.addHandler(writer, position: .before(try ops.handler(type: WebSocketFrameEncoder.self)))
            return NIOLoopBound(writer, eventLoop: channel.eventLoop)
        }.get()
    }

    /// On the event loop: writes `frames` as one buffer and flushes once. The future completes when
    /// the write has, and fails when the channel is gone. Several frames are copied into one buffer
    /// (one copy of bytes the kernel copies anyway): one pass down the pipeline and one pending write
    /// instead of one per frame. Measured at 2,000 subscribers: 4–5 % less server CPU.
    func write(_ frames: [WireFrame]) -> EventLoopFuture<Void> {
        // Removed from the pipeline means the channel is closing.
        guard let context else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        guard let first = frames.first else { return eventLoop.makeSucceededVoidFuture() }
        let done = eventLoop.makePromise(of: Void.self)
        if frames.count == 1 {
            context.write(NIOAny(first.bytes), promise: done)
        } else {
            // Not `context.channel.allocator`: reaching the channel from a context costs a slow retain per call.
            var joined = ByteBufferAllocator().buffer(capacity: frames.reduce(0) { $0 + $1.bytes.readableBytes })
            for frame in frames { joined.writeImmutableBuffer(frame.bytes) }
            context.write(NIOAny(joined), promise: done)
        }
        context.flush()
        return done.futureResult
    }
}
