import NIOCore

/// Reads WebSocket frames from the bytes of a connection without assembling their payloads: for
/// each message it keeps only the first `prefixBytes` of the payload and counts the rest. Control
/// frames (ping, pong, close: at most 125 bytes) are kept whole.
///
/// For the load generator's subscribers, which need a media envelope (16 bytes) and a length per
/// message, not the 4 KB behind it: NIO's frame decoder and a handler per frame were a third of the
/// load generator's CPU at 1,500 subscribers, on the cores it shares with the server it measures.
/// Pure: bytes in, events out.
public struct FrameScanner {
    public enum Event: Equatable {
        /// A text or binary message: the first bytes of its payload, and its whole length.
        case message(prefix: ByteBuffer, length: Int, isText: Bool)
        case ping(ByteBuffer)
        case pong
        /// A close frame and the code it carried (nil: none).
        case close(code: UInt16?)
    }

    public enum ScanError: Error, Equatable {
        case reservedBits
        case unknownOpcode(UInt8)
        case badControlFrame
        case unexpectedContinuation
        case unfinishedMessage
        case frameTooLarge(Int)
    }

    private struct Frame {
        var opcode: UInt8
        var fin: Bool
        var mask: (UInt8, UInt8, UInt8, UInt8)?
        var remaining: Int
        /// Payload bytes of this frame read so far (the mask key cycles over them).
        var offset = 0
    }

    private struct Message {
        var isText: Bool
        var prefix: ByteBuffer
        var length: Int
    }

    public let prefixBytes: Int
    public let maxFrameSize: Int
    /// Header bytes carried over from the previous read (a header split across reads).
    private var header = ByteBuffer()
    private var frame: Frame?
    private var message: Message?
    private var control = ByteBuffer()

    public init(prefixBytes: Int, maxFrameSize: Int) {
        self.prefixBytes = prefixBytes
        self.maxFrameSize = maxFrameSize
    }

    /// Consumes all of `bytes`, calling `emit` for each event completed in them.
    public mutating func scan(_ bytes: inout ByteBuffer, _ emit: (Event) -> Void) throws(ScanError) {
        while true {
            if frame == nil {
                guard try readHeader(&bytes) else { return }
            }
            if frame!.remaining > 0 {
                guard bytes.readableBytes > 0 else { return }
                readPayload(&bytes)
            }
            if frame!.remaining == 0 { try finishFrame(emit) }
        }
    }

    /// Starts the next frame once its whole header is read: straight from `bytes` when it holds the
    /// header (the usual case), else gathered in `header` across reads. False: more bytes needed.
    private mutating func readHeader(_ bytes: inout ByteBuffer) throws(ScanError) -> Bool {
        if header.readableBytes == 0, let needed = Self.headerLength(bytes), bytes.readableBytes >= needed {
            try start(&bytes)
            return true
        }
        guard take(upTo: 2, from: &bytes) else { return false }
        guard take(upTo: Self.headerLength(header)!, from: &bytes) else { return false }
        var gathered = ByteBuffer()
        swap(&gathered, &header)
        try start(&gathered)
        gathered.clear()
        header = gathered // its storage serves the next split header
        return true
    }

    /// The length of the header that begins `bytes` (nil: fewer than 2 bytes there).
    private static func headerLength(_ bytes: ByteBuffer) -> Int? {
        guard let b1 = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self) else { return nil }
        let lengthCode = b1 & 0x7F
        return 2 + (lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0) + (b1 & 0x80 != 0 ? 4 : 0)
    }

    /// Reads a whole frame header from `source` and starts the frame it announces.
    private mutating func start(_ source: inout ByteBuffer) throws(ScanError) {
        let (b0, b1) = source.readMultipleIntegers(as: (UInt8, UInt8).self)!
        let lengthCode = b1 & 0x7F
        let length: Int
        switch lengthCode {
        case 126: length = Int(source.readInteger(as: UInt16.self)!)
        case 127: length = Int(truncatingIfNeeded: source.readInteger(as: UInt64.self)!)
        default: length = Int(lengthCode)
        }
        let mask = b1 & 0x80 != 0 ? source.readMultipleIntegers(as: (UInt8, UInt8, UInt8, UInt8).self) : nil
        let opcode = b0 & 0x0F
        let fin = b0 & 0x80 != 0
        guard b0 & 0x70 == 0 else { throw .reservedBits }
        guard length >= 0, length <= maxFrameSize else { throw .frameTooLarge(length) }
        switch opcode {
        case 0x0:
            guard message != nil else { throw .unexpectedContinuation }
        case 0x1, 0x2:
            guard message == nil else { throw .unfinishedMessage }
            message = Message(isText: opcode == 0x1, prefix: ByteBuffer(), length: 0)
        case 0x8, 0x9, 0xA:
            guard fin, length <= 125 else { throw .badControlFrame }
            control.clear()
        default:
            throw .unknownOpcode(opcode)
        }
        frame = Frame(opcode: opcode, fin: fin, mask: mask, remaining: length)
    }

    /// Appends bytes from `bytes` to `header` until it holds `count`; false if `bytes` ran out first.
    private mutating func take(upTo count: Int, from bytes: inout ByteBuffer) -> Bool {
        let missing = count - header.readableBytes
        if missing > 0 {
            var part = bytes.readSlice(length: min(missing, bytes.readableBytes))!
            header.writeBuffer(&part)
        }
        return header.readableBytes >= count
    }

    /// Reads what `bytes` holds of the current frame's payload: kept while a prefix or control frame
    /// needs it, skipped otherwise.
    private mutating func readPayload(_ bytes: inout ByteBuffer) {
        let n = min(frame!.remaining, bytes.readableBytes)
        let isControl = frame!.opcode >= 0x8
        let keep = isControl ? n : min(n, max(0, prefixBytes - message!.prefix.readableBytes))
        if keep > 0 {
            var kept = bytes.getSlice(at: bytes.readerIndex, length: keep)!
            if let mask = frame!.mask { Self.unmask(&kept, mask, offset: frame!.offset) }
            if isControl {
                control.writeBuffer(&kept)
            } else if message!.prefix.readableBytes == 0 {
                message!.prefix = kept // a view of the bytes read: no copy
            } else {
                message!.prefix.writeBuffer(&kept)
            }
        }
        if !isControl { message!.length += n }
        bytes.moveReaderIndex(forwardBy: n)
        frame!.remaining -= n
        frame!.offset += n
    }

    private mutating func finishFrame(_ emit: (Event) -> Void) throws(ScanError) {
        let done = frame!
        frame = nil
        switch done.opcode {
        case 0x8: emit(.close(code: control.getInteger(at: control.readerIndex, as: UInt16.self)))
        case 0x9: emit(.ping(control))
        case 0xA: emit(.pong)
        default:
            guard done.fin, let whole = message else { return }
            message = nil
            emit(.message(prefix: whole.prefix, length: whole.length, isText: whole.isText))
        }
    }

    private static func unmask(_ buffer: inout ByteBuffer, _ mask: (UInt8, UInt8, UInt8, UInt8), offset: Int) {
        let key = [mask.0, mask.1, mask.2, mask.3]
        buffer.withUnsafeMutableReadableBytes { bytes in
            for i in bytes.indices { bytes[i] ^= key[(offset + i) % 4] }
        }
    }
}
