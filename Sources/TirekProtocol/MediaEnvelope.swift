import NIOCore
import TirekCore

/// What a media frame carries.
public enum MediaKind: UInt8, Sendable, Codable, CaseIterable {
    case audio = 1
    case video = 2
}

/// The lesson's media tracks. Each track has one publisher at a time, decided by the lesson rules.
public enum MediaTrack: UInt8, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The hub teacher's microphone (Opus).
    case audio = 0
    /// The hub teacher's camera (VP8).
    case camera = 1
    /// The hub teacher's (or a granted sharer's) screen (VP8).
    case screen = 2
    /// The floor holder's talk-back audio (Opus): a classroom or student granted the floor.
    case talkback = 3
    /// The server's low-bandwidth rendition of the camera (VP8), for subscribers who ask for it.
    case cameraLow = 4

    public var kind: MediaKind {
        switch self {
        case .audio, .talkback: .audio
        case .camera, .screen, .cameraLow: .video
        }
    }

    public var description: String {
        switch self {
        case .audio: "audio"
        case .camera: "camera"
        case .screen: "screen"
        case .talkback: "talkback"
        case .cameraLow: "camera_low"
        }
    }
}

/// The fixed 16-byte header in front of every binary WebSocket frame (big-endian).
/// Layout in Protocols/binary-envelope.md:
///
///     0      1      2      3      4               8                              16
///     +------+------+------+------+---------------+------------------------------+---------
///     | ver  | kind |track |flags | sequence u32  | timestamp u64 (microseconds) | payload
///     +------+------+------+------+---------------+------------------------------+---------
public struct MediaHeader: Equatable, Sendable {
    public static let version: UInt8 = 1
    public static let size = 16

    /// Flag bits. Bits not listed here are reserved and must be zero.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The payload is a video keyframe: a decoder can start here.
        public static let keyframe = Flags(rawValue: 1 << 0)
        /// Frames before this one were dropped on this path (set by the server toward a subscriber).
        public static let discontinuity = Flags(rawValue: 1 << 1)
        public static let known: Flags = [.keyframe, .discontinuity]
    }

    public var track: MediaTrack
    public var flags: Flags
    public var sequence: UInt32
    /// Presentation timestamp in microseconds, as WebCodecs `timestamp`.
    public var timestamp: UInt64

    public var kind: MediaKind { track.kind }
    public var isKeyframe: Bool { flags.contains(.keyframe) }

    public init(track: MediaTrack, flags: Flags = [], sequence: UInt32, timestamp: UInt64) {
        self.track = track
        self.flags = flags
        self.sequence = sequence
        self.timestamp = timestamp
    }

    /// Parses and validates the header at the reader index of `buffer`, without moving it.
    public static func parse(_ buffer: ByteBuffer) throws(ProtocolError) -> MediaHeader {
        guard buffer.readableBytes >= size else {
            throw ProtocolError(.badEnvelope, "media frame is \(buffer.readableBytes) bytes, shorter than the 16-byte header")
        }
        guard buffer.readableBytes <= WireLimits.maxMediaFrameBytes else {
            throw ProtocolError(.tooLarge, "media frame is \(buffer.readableBytes) bytes, limit \(WireLimits.maxMediaFrameBytes)")
        }
        let i = buffer.readerIndex
        let version = buffer.getInteger(at: i, as: UInt8.self)!
        guard version == Self.version else {
            throw ProtocolError(.badEnvelope, "envelope version \(version) is not supported (expected 1)")
        }
        let kindRaw = buffer.getInteger(at: i + 1, as: UInt8.self)!
        guard let kind = MediaKind(rawValue: kindRaw) else {
            throw ProtocolError(.badEnvelope, "unknown media kind \(kindRaw)")
        }
        let trackRaw = buffer.getInteger(at: i + 2, as: UInt8.self)!
        guard let track = MediaTrack(rawValue: trackRaw) else {
            throw ProtocolError(.badEnvelope, "unknown track \(trackRaw)")
        }
        guard track.kind == kind else {
            throw ProtocolError(.badEnvelope, "track \(track) carries \(track.kind), not \(kind)")
        }
        let flags = Flags(rawValue: buffer.getInteger(at: i + 3, as: UInt8.self)!)
        guard flags.isSubset(of: .known) else {
            throw ProtocolError(.badEnvelope, "reserved flag bits set: \(flags.rawValue)")
        }
        if flags.contains(.keyframe) && kind == .audio {
            throw ProtocolError(.badEnvelope, "the keyframe flag is for video tracks only")
        }
        let sequence = buffer.getInteger(at: i + 4, endianness: .big, as: UInt32.self)!
        let timestamp = buffer.getInteger(at: i + 8, endianness: .big, as: UInt64.self)!
        return MediaHeader(track: track, flags: flags, sequence: sequence, timestamp: timestamp)
    }

    /// Writes the 16 header bytes.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.version)
        buffer.writeInteger(kind.rawValue)
        buffer.writeInteger(track.rawValue)
        buffer.writeInteger(flags.rawValue)
        buffer.writeInteger(sequence, endianness: .big)
        buffer.writeInteger(timestamp, endianness: .big)
    }

    /// A whole frame: header followed by `payload`.
    public func frame(payload: some Collection<UInt8>, allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: Self.size + payload.count)
        write(to: &buffer)
        buffer.writeBytes(payload)
        return buffer
    }

    /// Rewrites the flags byte of a frame in place (used to mark a discontinuity toward one subscriber).
    public static func setFlags(_ flags: Flags, in buffer: inout ByteBuffer) {
        buffer.setInteger(flags.rawValue, at: buffer.readerIndex + 3)
    }
}
