import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
import TirekWireClient

/// The load generator's frame reader (`FrameScanner`): frames written by NIO's own encoder, cut at
/// every possible place, give the same messages as NIO's decoder would, with only their first bytes kept.
@Suite struct FrameScannerTests {
    static func encode(_ frames: [WebSocketFrame]) throws -> ByteBuffer {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        var out = ByteBuffer()
        for frame in frames {
            try channel.writeOutbound(frame)
            while var part = try channel.readOutbound(as: ByteBuffer.self) { out.writeBuffer(&part) }
        }
        _ = try channel.finish()
        return out
    }

    static func payload(_ length: Int, seed: Int = 0) -> ByteBuffer {
        ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed) })
    }

    /// Feeds `bytes` in pieces of `chunk` bytes; returns the events.
    static func scan(_ bytes: ByteBuffer, chunk: Int, prefix: Int = 16, max: Int = 1 << 20) throws -> [FrameScanner.Event] {
        var scanner = FrameScanner(prefixBytes: prefix, maxFrameSize: max)
        var events: [FrameScanner.Event] = []
        var rest = bytes
        while rest.readableBytes > 0 {
            var piece = rest.readSlice(length: min(chunk, rest.readableBytes))!
            try scanner.scan(&piece) { events.append($0) }
            #expect(piece.readableBytes == 0, "every byte handed in is consumed")
        }
        return events
    }

    @Test func messagesOfEveryLengthClassMaskedOrNotSurviveAnySplit() throws {
        let lengths = [0, 5, 16, 125, 126, 4_200, 65_535, 65_536, 70_000]
        for masked in [false, true] {
            let frames = lengths.enumerated().map { i, length in
                WebSocketFrame(fin: true, opcode: i % 2 == 0 ? .binary : .text, maskKey: masked ? .random() : nil,
                               data: Self.payload(length, seed: i))
            }
            let expected = lengths.enumerated().map { i, length in
                FrameScanner.Event.message(prefix: Self.payload(min(length, 16), seed: i), length: length, isText: i % 2 == 1)
            }
            let bytes = try Self.encode(frames)
            for chunk in [1, 2, 3, 7, 13, 1_000, 4_096, bytes.readableBytes] {
                #expect(try Self.scan(bytes, chunk: chunk) == expected, "masked: \(masked), chunk: \(chunk)")
            }
        }
    }

    @Test func aFragmentedMessageIsOneMessageAndControlFramesMayComeBetweenItsParts() throws {
        let bytes = try Self.encode([
            WebSocketFrame(fin: false, opcode: .binary, data: Self.payload(10)),
            WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "are you there")),
            WebSocketFrame(fin: false, opcode: .continuation, data: Self.payload(10, seed: 70)),
            WebSocketFrame(fin: true, opcode: .continuation, data: Self.payload(3_000)),
            WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer()),
            WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xE9, 0x61])),
        ])
        var prefix = Self.payload(10)
        prefix.writeBytes(Self.payload(10, seed: 70).readableBytesView.prefix(6))
        for chunk in [1, 5, bytes.readableBytes] {
            #expect(try Self.scan(bytes, chunk: chunk) == [
                .ping(ByteBuffer(string: "are you there")),
                .message(prefix: prefix, length: 3_020, isText: false),
                .pong,
                .close(code: 1001),
            ])
        }
        #expect(try Self.scan(try Self.encode([WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer())]), chunk: 1)
                == [.close(code: nil)])
    }

    @Test func protocolErrorsAreReported() throws {
        func error(_ frames: [WebSocketFrame], max: Int = 1 << 20) throws -> FrameScanner.ScanError? {
            do {
                _ = try Self.scan(try Self.encode(frames), chunk: 1 << 20, max: max)
                return nil
            } catch let error as FrameScanner.ScanError {
                return error
            }
        }
        #expect(try error([WebSocketFrame(fin: true, opcode: .continuation, data: Self.payload(4))]) == .unexpectedContinuation)
        #expect(try error([WebSocketFrame(fin: false, opcode: .text, data: Self.payload(4)),
                           WebSocketFrame(fin: true, opcode: .binary, data: Self.payload(4))]) == .unfinishedMessage)
        #expect(try error([WebSocketFrame(fin: true, opcode: .binary, data: Self.payload(2_000))], max: 1_000) == .frameTooLarge(2_000))
        #expect(try error([WebSocketFrame(fin: true, opcode: .ping, data: Self.payload(126))]) == .badControlFrame)
        #expect(try error([WebSocketFrame(fin: true, rsv1: true, opcode: .binary, data: Self.payload(4))]) == .reservedBits)
        var unknown = ByteBuffer(bytes: [0x83, 0x00]) // opcode 3 is reserved
        var scanner = FrameScanner(prefixBytes: 16, maxFrameSize: 100)
        #expect(throws: FrameScanner.ScanError.unknownOpcode(3)) { try scanner.scan(&unknown) { _ in } }
    }
}
