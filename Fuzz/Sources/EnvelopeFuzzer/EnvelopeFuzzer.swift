import NIOCore
import TirekProtocol

/// Fuzz target: the bytes are one binary WebSocket frame. Checks `MediaHeader.parse` against an
/// independent reading of Protocols/binary-envelope.md, and that what parses re-serialises to
/// the same 16 bytes. Any violated invariant traps, which libFuzzer reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func envelopeFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    check(input, prefix: 0)
    // The same frame after some consumed bytes: parse must read at the reader index, not at 0.
    check(input, prefix: 1 + (input.first.map(Int.init) ?? 0) % 7)
    return 0
}

func fail(_ why: String, _ input: [UInt8]) -> Never {
    let hex = input.prefix(64).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    fatalError("envelope invariant violated: \(why) [input \(input.count) bytes: \(hex)\(input.count > 64 ? "…" : "")]")
}

/// What the spec says the frame is: a header, or the error code it must be refused with.
enum Expected: Equatable {
    case header(track: UInt8, flags: UInt8, sequence: UInt32, timestamp: UInt64)
    case error(String)
}

func reference(_ b: [UInt8]) -> Expected {
    if b.count < 16 { return .error("bad_envelope") }
    if b.count > WireLimits.maxMediaFrameBytes { return .error("too_large") }
    if b[0] != 1 { return .error("bad_envelope") }
    // Tracks: 0 audio (audio), 1 camera (video), 2 screen (video), 3 talkback (audio), 4 camera_low (video).
    let kindOfTrack: [UInt8: UInt8] = [0: 1, 1: 2, 2: 2, 3: 1, 4: 2]
    guard b[1] == 1 || b[1] == 2, let kind = kindOfTrack[b[2]], kind == b[1] else { return .error("bad_envelope") }
    if b[3] & ~0b11 != 0 { return .error("bad_envelope") }
    if b[3] & 1 != 0 && kind == 1 { return .error("bad_envelope") }
    var sequence: UInt32 = 0
    for i in 4..<8 { sequence = sequence << 8 | UInt32(b[i]) }
    var timestamp: UInt64 = 0
    for i in 8..<16 { timestamp = timestamp << 8 | UInt64(b[i]) }
    return .header(track: b[2], flags: b[3], sequence: sequence, timestamp: timestamp)
}

func check(_ input: [UInt8], prefix: Int) {
    // An exact-size allocation, so AddressSanitizer sees any read past the frame; `prefix`
    // junk bytes are consumed first.
    var buffer = ByteBufferAllocator().buffer(capacity: prefix + input.count)
    buffer.writeRepeatingByte(0xA5, count: prefix)
    buffer.writeBytes(input)
    buffer.moveReaderIndex(forwardBy: prefix)
    let before = buffer

    let expected = reference(input)
    let header: MediaHeader
    do {
        header = try MediaHeader.parse(buffer)
    } catch {
        if buffer != before { fail("parse changed the buffer", input) }
        guard expected == .error(error.code.rawValue) else {
            fail("refused with \(error.code.rawValue) (\(error.message)), spec says \(expected)", input)
        }
        if error.message.isEmpty || error.requestID != nil { fail("error without message, or with a request id", input) }
        return
    }
    if buffer != before { fail("parse changed the buffer", input) }
    guard case .header(let track, let flags, let sequence, let timestamp) = expected else {
        fail("parsed \(header), spec says \(expected)", input)
    }
    guard header.track.rawValue == track, header.flags.rawValue == flags,
          header.sequence == sequence, header.timestamp == timestamp,
          header.kind.rawValue == input[1], header.isKeyframe == (flags & 1 != 0) else {
        fail("parsed \(header), spec says \(expected)", input)
    }

    // Re-serialise: the same 16 bytes, and the same whole frame with the payload.
    var written = ByteBufferAllocator().buffer(capacity: 16)
    header.write(to: &written)
    guard written.readableBytes == MediaHeader.size, Array(written.readableBytesView) == Array(input.prefix(16)) else {
        fail("write(to:) gave \(Array(written.readableBytesView)), not the first 16 input bytes", input)
    }
    let frame = header.frame(payload: input.dropFirst(16))
    guard Array(frame.readableBytesView) == input else { fail("frame(payload:) is not the input", input) }
    guard (try? MediaHeader.parse(frame)) == header else { fail("the re-serialised frame parses differently", input) }

    // The server's discontinuity rewrite keeps the frame valid and changes only the flags.
    var marked = buffer
    MediaHeader.setFlags(header.flags.union(.discontinuity), in: &marked)
    var expectedMarked = header
    expectedMarked.flags.insert(.discontinuity)
    guard (try? MediaHeader.parse(marked)) == expectedMarked,
          marked.readableBytesView.dropFirst(16).elementsEqual(buffer.readableBytesView.dropFirst(16)) else {
        fail("setFlags(discontinuity) did not give the same header with the flag", input)
    }
}
