import NIOCore
import TirekProtocol

/// One server-to-client WebSocket frame, header and payload in one buffer, encoded once and written
/// as is to every connection it goes to (frames from a server are unmasked, so they are the same
/// bytes for all). Written past the channel's frame encoder by `FramedWriter`: no per-subscriber
/// header buffer, and one entry instead of two in the socket's pending writes.
@_spi(Benchmarks) public struct WireFrame: Sendable {
    /// The whole frame: RFC 6455 header (2, 4 or 10 bytes, FIN set, no mask), then the payload.
    public private(set) var bytes: ByteBuffer
    /// Length of the frame header at the front of `bytes`.
    private let headerLength: Int

    /// A text frame (control messages: one JSON object each).
    public init(text payload: ByteBuffer) {
        self.init(opcode: 0x1, payload: payload)
    }

    /// A binary frame (media envelopes).
    public init(binary payload: ByteBuffer) {
        self.init(opcode: 0x2, payload: payload)
    }

    private init(opcode: UInt8, payload: ByteBuffer) {
        let length = payload.readableBytes
        headerLength = length < 126 ? 2 : (length <= 0xFFFF ? 4 : 10)
        var bytes = ByteBufferAllocator().buffer(capacity: headerLength + length)
        bytes.writeInteger(0x80 | opcode)
        if length < 126 {
            bytes.writeInteger(UInt8(length))
        } else if length <= 0xFFFF {
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))
        } else {
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        var payload = payload
        bytes.writeBuffer(&payload)
        self.bytes = bytes
    }

    /// The payload, without the frame header (a view: no copy).
    public var payload: ByteBuffer {
        bytes.getSlice(at: bytes.readerIndex + headerLength, length: bytes.readableBytes - headerLength)!
    }

    /// This media frame with its envelope flags replaced (copies the bytes once: the original is shared).
    func settingMediaFlags(_ flags: MediaHeader.Flags) -> WireFrame {
        var marked = self
        marked.bytes.moveReaderIndex(forwardBy: headerLength)
        MediaHeader.setFlags(flags, in: &marked.bytes)
        marked.bytes.moveReaderIndex(to: bytes.readerIndex)
        return marked
    }
}
