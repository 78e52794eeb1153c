/// The uncompressed header at the start of every VP8 frame (RFC 6386 §9.1),
/// readable without a decoder: lets the relay check a chunk's keyframe flag and
/// a keyframe's picture size.
public struct VP8FrameHeader: Sendable, Equatable {
    public var isKeyframe: Bool
    /// Frame is meant to be displayed (alt-ref frames are not).
    public var showFrame: Bool
    /// Size of the first partition in bytes.
    public var firstPartitionSize: Int
    /// Picture size; only keyframes carry it (nil for delta frames).
    public var width: Int?
    public var height: Int?

    /// Parses the header; `nil` when the bytes cannot be a VP8 frame
    /// (too short, or a keyframe without the 0x9d 0x01 0x2a start code).
    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 3 else { return nil }
        let tag = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16
        isKeyframe = tag & 1 == 0
        showFrame = (tag >> 4) & 1 == 1
        firstPartitionSize = Int(tag >> 5)
        guard (tag >> 1) & 7 <= 3 else { return nil }  // version 0…3
        if isKeyframe {
            guard bytes.count >= 10, bytes[3] == 0x9d, bytes[4] == 0x01, bytes[5] == 0x2a else { return nil }
            width = Int(UInt16(bytes[6]) | UInt16(bytes[7]) << 8) & 0x3fff
            height = Int(UInt16(bytes[8]) | UInt16(bytes[9]) << 8) & 0x3fff
        }
    }
}
