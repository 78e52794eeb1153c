/// One encoded media chunk, as a WebCodecs `EncodedVideoChunk`/`EncodedAudioChunk` carries it.
public struct EncodedChunk: Sendable, Equatable {
    /// The codec payload: one VP8 frame or one Opus packet.
    public var bytes: [UInt8]
    /// `true` when a decoder can start here (VP8 keyframe; every Opus packet is one).
    public var isKeyframe: Bool
    /// Presentation timestamp in microseconds (the WebCodecs `timestamp`).
    public var timestampMicros: Int64
    /// Duration in microseconds (the WebCodecs `duration`).
    public var durationMicros: Int64

    public init(bytes: [UInt8], isKeyframe: Bool, timestampMicros: Int64, durationMicros: Int64) {
        self.bytes = bytes
        self.isKeyframe = isKeyframe
        self.timestampMicros = timestampMicros
        self.durationMicros = durationMicros
    }
}
