import Dispatch
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing
import TirekCore
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// The write path of a live connection: frames encoded once (`WireFrame`), written past the
/// WebSocket encoder (`FramedWriter`), and the media write merge (`DrainWakes(deadline:)`), on a test
/// channel whose clock only moves when told.
@Suite struct FramedWriteTests {
    /// Decodes `bytes` with NIO's own WebSocket decoder, as any client would.
    static func decode(_ bytes: [ByteBuffer]) throws -> [WebSocketFrame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        for buffer in bytes { try channel.writeInbound(buffer) }
        var frames: [WebSocketFrame] = []
        while let frame = try channel.readInbound(as: WebSocketFrame.self) { frames.append(frame) }
        _ = try channel.finish()
        return frames
    }

    @Test(arguments: [0, 1, 125, 126, 4200, 65535, 65536, 70000])
    func aWireFrameIsOneValidWebSocketFrame(length: Int) throws {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0) })
        for (wire, opcode) in [(WireFrame(binary: payload), WebSocketOpcode.binary), (WireFrame(text: payload), .text)] {
            let frames = try Self.decode([wire.bytes])
            #expect(frames.count == 1)
            #expect(frames.first?.fin == true)
            #expect(frames.first?.opcode == opcode)
            #expect(frames.first?.maskKey == nil, "server frames are not masked")
            #expect(frames.first?.data == payload)
            #expect(wire.payload == payload)
        }
    }

    @Test func markingADiscontinuityChangesOnlyThatCopysEnvelopeFlags() throws {
        let buffer = MediaFrames.frame(track: .camera, sequence: 7, keyframe: true, size: 300)
        let wire = WireFrame(binary: buffer)
        let marked = wire.settingMediaFlags([.keyframe, .discontinuity])
        #expect(try MediaHeader.parse(marked.payload).flags == [.keyframe, .discontinuity])
        #expect(try MediaHeader.parse(wire.payload).flags == [.keyframe], "the shared frame is untouched")
        #expect(try Self.decode([marked.bytes]).first?.data == marked.payload)
    }

    /// A connection's outbound side on a test channel that has the WebSocket encoder, as upgraded
    /// connections do.
    static func attached() async throws -> (NIOAsyncTestingChannel, Outbound) {
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandler(WebSocketFrameEncoder())
        let outbound = Outbound()
        try await outbound.attach(channel)
        return (channel, outbound)
    }

    static func written(_ channel: NIOAsyncTestingChannel) async throws -> [ByteBuffer] {
        var out: [ByteBuffer] = []
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { out.append(buffer) }
        return out
    }

    static func media(_ sequence: UInt32) -> (WireFrame, MediaHeader) {
        let buffer = MediaFrames.frame(track: .audio, sequence: sequence, keyframe: false, size: 80)
        return (WireFrame(binary: buffer), try! MediaHeader.parse(buffer))
    }

    @Test func framesGoOutAtOnceWithoutAMerge() async throws {
        let (channel, outbound) = try await Self.attached()
        let (frame, header) = Self.media(1)
        var wakes = DrainWakes()
        _ = outbound.sendMedia(frame, header: header, now: 0, wakes: &wakes)
        wakes.run()
        let written = try await Self.written(channel)
        #expect(try Self.decode(written).map(\.data) == [frame.payload])
        _ = try await channel.finish()
    }

    @Test func framesQueuedWithinTheMergeDelayShareOneDrain() async throws {
        let (channel, outbound) = try await Self.attached()
        let merge = TimeAmount.milliseconds(20)
        var frames: [WireFrame] = []
        for sequence in UInt32(1)...3 {
            let (frame, header) = Self.media(sequence)
            frames.append(frame)
            var wakes = DrainWakes(deadline: .uptimeNanoseconds(0) + merge)
            _ = outbound.sendMedia(frame, header: header, now: 0, wakes: &wakes)
            wakes.run()
            await channel.testingEventLoop.advanceTime(by: .milliseconds(5))
        }
        #expect(try await Self.written(channel).isEmpty, "15 ms in: nothing written yet")
        // A control message joins the pending drain instead of forcing its own write.
        #expect(outbound.sendControl(ByteBuffer(string: #"{"type":"chat"}"#)))
        #expect(try await Self.written(channel).isEmpty)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(5))
        let written = try await Self.written(channel)
        #expect(written.count == 1, "one drain, one buffer: the frames are joined into one write")
        let decoded = try Self.decode(written)
        #expect(decoded.map(\.opcode) == [.text, .binary, .binary, .binary], "control first, then media in order")
        #expect(decoded.dropFirst().map(\.data) == frames.map(\.payload))
        _ = try await channel.finish()
    }

    /// A live subscriber (one drained on an event loop) is served on that loop, not in the publishing
    /// call: the call counts nobody, and the loop writes the frames in publishing order, after the
    /// cached group of pictures the subscriber joined with.
    @Test func aLiveSubscriberIsServedOnItsEventLoopInPublishingOrder() async throws {
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandler(WebSocketFrameEncoder())
        let connection = MediaQueueTests.connection("s1")
        try await connection.outbound.attach(channel)
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        // Real times: the loop checks each frame's age against its own clock.
        let start = DispatchTime.now().uptimeNanoseconds / MediaQueueTests.ms
        _ = MediaQueueTests.publish(fanout, .camera, 1, key: true, at: start)
        fanout.subscribe(connection, now: (start + 1) * MediaQueueTests.ms)
        for sequence in UInt32(2)...4 {
            #expect(MediaQueueTests.publish(fanout, .camera, sequence, at: start + UInt64(sequence)) == .delivered(queued: 0, dropped: 0),
                    "served on the loop, not here")
        }
        await channel.testingEventLoop.run()
        let sequences = try Self.decode(try await Self.written(channel)).map { try MediaHeader.parse($0.data).sequence }
        #expect(sequences == [1, 2, 3, 4])
        _ = try await channel.finish()
    }

    /// A frame handed to an event loop while a wave of drains runs there is taken up inside the wave
    /// (`LoopInbox`): the subscribers the wave has not written yet get it in the same write as the
    /// frame before; those already written get it in a write of its own. Without the inbox, every
    /// subscriber would get the second frame only after the wave.
    @Test func aFramePublishedDuringAWaveReachesTheSubscribersNotYetWritten() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .audio)
        // Real times, read as each frame is published: the loop checks each frame's age against its own clock.
        let nowMillis = { @Sendable in DispatchTime.now().uptimeNanoseconds / MediaQueueTests.ms }
        let midWave = MidWavePublish.Trigger { _ = MediaQueueTests.publish(fanout, .audio, 2, at: nowMillis()) }
        let count = 2 * DrainWakes.inboxEvery + 2
        var channels: [NIOAsyncTestingChannel] = []
        for i in 0..<count {
            let channel = NIOAsyncTestingChannel(loop: loop)
            // Nearer the socket than the connection's writer: sees its writes.
            try await channel.pipeline.addHandler(MidWavePublish(midWave))
            try await channel.pipeline.addHandler(WebSocketFrameEncoder())
            let connection = MediaQueueTests.connection("s\(i)")
            try await connection.outbound.attach(channel)
            fanout.subscribe(connection, now: nowMillis() * MediaQueueTests.ms)
            channels.append(channel)
        }
        _ = MediaQueueTests.publish(fanout, .audio, 1, at: nowMillis())
        await loop.run()
        var writes: [[[UInt32]]] = []
        for channel in channels {
            writes.append(try await Self.written(channel).map { buffer in
                try Self.decode([buffer]).map { try MediaHeader.parse($0.data).sequence }
            })
        }
        // The first write published frame 2; the wave took it up at its next inbox check.
        #expect(writes.filter { $0 == [[1], [2]] }.count == DrainWakes.inboxEvery)
        #expect(writes.filter { $0 == [[1, 2]] }.count == count - DrainWakes.inboxEvery)
        for channel in channels { _ = try await channel.finish() }
    }

    @Test func aWriteToAClosedChannelEndsTheOutboundSide() async throws {
        let (channel, outbound) = try await Self.attached()
        _ = try await channel.finish()
        let (frame, header) = Self.media(1)
        _ = outbound.sendMedia(frame, header: header, now: 0)
        outbound.close()
        await outbound.drained() // returns: the write failed, nothing more can be sent
        #expect(outbound.pendingWriteSince == 0)
    }
}

/// Runs `publish` at the first write that passes through any of the channels it was added to
/// (one handler per channel, one shared trigger): a frame arriving from the publisher while a wave
/// is under way.
private final class MidWavePublish: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    final class Trigger: Sendable {
        let fired = Atomic(false)
        let publish: @Sendable () -> Void
        init(publish: @escaping @Sendable () -> Void) { self.publish = publish }
    }

    private let trigger: Trigger

    init(_ trigger: Trigger) {
        self.trigger = trigger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !trigger.fired.exchange(true, ordering: .relaxed) { trigger.publish() }
        context.write(data, promise: promise)
    }
}
