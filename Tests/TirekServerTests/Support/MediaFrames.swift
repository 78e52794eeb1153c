import NIOCore
import TirekProtocol

enum MediaFrames {
    /// A media frame whose payload starts with the sequence number (so receivers can check order).
    static func frame(track: MediaTrack, sequence: UInt32, keyframe: Bool, size: Int, timestamp: UInt64 = 0) -> ByteBuffer {
        var payload = [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: max(size, 4))
        withUnsafeBytes(of: sequence.bigEndian) { bytes in
            for i in 0..<4 { payload[i] = bytes[i] }
        }
        return MediaHeader(track: track, flags: keyframe ? .keyframe : [], sequence: sequence, timestamp: timestamp)
            .frame(payload: payload)
    }
}
