/// Size limits of the wire protocol. Documented in Protocols/README.md.
public enum WireLimits {
    /// Largest JSON control message a client may send, in bytes.
    public static let maxControlMessageBytes = 16 * 1024
    /// Largest binary media frame a publisher may send (envelope + payload), in bytes.
    /// A 720p VP8 keyframe at lesson bitrates fits comfortably.
    public static let maxMediaFrameBytes = 512 * 1024
    /// Largest WebSocket frame accepted at all; anything larger is closed with 1009.
    public static let maxFrameBytes = maxMediaFrameBytes
    /// Client request ids (`id`) are strings of at most this many characters.
    public static let maxRequestIDLength = 64
}
