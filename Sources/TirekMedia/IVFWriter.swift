/// Writes VP8 frames into an IVF file (the simple container libvpx's tools use):
/// a 32-byte file header, then per frame a 12-byte header (size u32 LE,
/// timestamp u64 LE) and the frame bytes. The frame count in the file header
/// is filled in by `finish()` (or, ignoring errors, when the writer is released).
///
/// Not `Sendable` (mutable state, owns a file handle): use from one task.
public final class IVFWriter {
    public static let fileHeaderSize = 32
    public static let frameHeaderSize = 12

    public let width: Int
    public let height: Int
    /// Time base of the timestamps as numerator/denominator seconds (default 1/1 000 000: microseconds).
    public let timebaseNumerator: UInt32
    public let timebaseDenominator: UInt32
    public private(set) var frameCount: UInt32 = 0
    private let sink: ByteSink
    private var finished = false

    /// Writes to the file at `path` (created or truncated).
    public convenience init(path: String, width: Int, height: Int,
                            timebaseNumerator: UInt32 = 1, timebaseDenominator: UInt32 = 1_000_000) throws {
        try self.init(sink: ByteSink(path: path), width: width, height: height,
                      timebaseNumerator: timebaseNumerator, timebaseDenominator: timebaseDenominator)
    }

    /// Writes to memory; read the result from `bytes`.
    public convenience init(width: Int, height: Int,
                            timebaseNumerator: UInt32 = 1, timebaseDenominator: UInt32 = 1_000_000) throws {
        try self.init(sink: ByteSink(), width: width, height: height,
                      timebaseNumerator: timebaseNumerator, timebaseDenominator: timebaseDenominator)
    }

    private init(sink: ByteSink, width: Int, height: Int, timebaseNumerator: UInt32, timebaseDenominator: UInt32) throws {
        guard (1...0xffff).contains(width), (1...0xffff).contains(height),
              timebaseNumerator > 0, timebaseDenominator > 0 else {
            throw ContainerError.invalidPayload("IVF size \(width)x\(height) or time base \(timebaseNumerator)/\(timebaseDenominator)")
        }
        self.sink = sink
        self.width = width
        self.height = height
        self.timebaseNumerator = timebaseNumerator
        self.timebaseDenominator = timebaseDenominator
        try sink.write(Self.fileHeader(width: width, height: height, timebaseNumerator: timebaseNumerator,
                                       timebaseDenominator: timebaseDenominator, frameCount: 0))
    }

    /// Finishes the file if `finish()` was not called (errors are ignored here).
    deinit { try? finish() }

    /// The file so far (memory writers only; empty for file writers).
    public var bytes: [UInt8] { sink.bytes }

    /// Appends one frame with `timestamp` in the writer's time base.
    public func write(frame: [UInt8], timestamp: Int64) throws {
        guard !finished else { throw ContainerError.finished }
        guard let size = UInt32(exactly: frame.count) else { throw ContainerError.invalidPayload("frame too large") }
        try sink.write(Self.frameHeader(size: size, timestamp: timestamp) + frame)
        frameCount &+= 1
    }

    /// Appends a chunk, converting its microsecond timestamp to the writer's time base
    /// (rounded to the nearest tick).
    public func write(_ chunk: EncodedChunk) throws {
        let unit = 1_000_000 * Int64(timebaseNumerator)
        let scaled = chunk.timestampMicros * Int64(timebaseDenominator)
        let ts = (scaled >= 0 ? scaled + unit / 2 : scaled - unit / 2) / unit
        try write(frame: chunk.bytes, timestamp: ts)
    }

    /// Fills in the frame count and closes the file. Further writes throw `.finished`.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        var count: [UInt8] = []
        count.appendLE(frameCount)
        try sink.patch(at: 24, with: count)
        try sink.close()
    }

    /// The 32-byte IVF file header for VP8 ("DKIF", version 0, "VP80").
    public static func fileHeader(width: Int, height: Int, timebaseNumerator: UInt32, timebaseDenominator: UInt32,
                                  frameCount: UInt32) -> [UInt8] {
        var h: [UInt8] = Array("DKIF".utf8)
        h.appendLE(UInt16(0))                       // version
        h.appendLE(UInt16(fileHeaderSize))          // header size
        h.append(contentsOf: Array("VP80".utf8))    // fourcc
        h.appendLE(UInt16(truncatingIfNeeded: width))
        h.appendLE(UInt16(truncatingIfNeeded: height))
        h.appendLE(timebaseDenominator)             // rate
        h.appendLE(timebaseNumerator)               // scale
        h.appendLE(frameCount)
        h.appendLE(UInt32(0))                       // unused
        return h
    }

    /// The 12-byte header before each frame.
    public static func frameHeader(size: UInt32, timestamp: Int64) -> [UInt8] {
        var h: [UInt8] = []
        h.appendLE(size)
        h.appendLE(UInt64(bitPattern: timestamp))
        return h
    }
}

/// Deliberately not `Sendable` (see the type's documentation); this makes the intent explicit.
@available(*, unavailable)
extension IVFWriter: Sendable {}
