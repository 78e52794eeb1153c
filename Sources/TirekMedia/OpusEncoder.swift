internal import CCodecShim

/// Opus encoder at 48 kHz with 20 ms frames (960 samples per channel).
///
/// Not `Sendable`: it owns a libopus encoder state that must not be used from
/// two threads at once. Keep it inside one task or actor (or pass it with `sending`).
/// The state is freed in `deinit`.
public final class OpusEncoder {
    public enum Application: Sendable {
        /// Speech-tuned (`OPUS_APPLICATION_VOIP`): the lesson microphone.
        case voip
        /// General audio (`OPUS_APPLICATION_AUDIO`).
        case audio
        /// Lowest delay (`OPUS_APPLICATION_RESTRICTED_LOWDELAY`).
        case lowDelay

        var rawValue: Int32 {
            switch self {
            case .voip: Int32(OPUS_APPLICATION_VOIP)
            case .audio: Int32(OPUS_APPLICATION_AUDIO)
            case .lowDelay: Int32(OPUS_APPLICATION_RESTRICTED_LOWDELAY)
            }
        }
    }

    /// Samples per second per channel (always 48 000).
    public static let sampleRate = 48_000
    /// Frame duration in milliseconds (always 20).
    public static let frameDurationMs = 20
    /// Samples per channel in one frame (960).
    public static let samplesPerChannel = sampleRate / 1000 * frameDurationMs
    /// Largest packet libopus produces for one frame (RFC 6716 limit is 1275 bytes).
    static let maxPacketBytes = 1500

    /// 1 (mono) or 2 (stereo, interleaved L R L R …).
    public let channels: Int
    /// Int16 samples `encode` expects: `samplesPerChannel * channels`.
    public var samplesPerFrame: Int { Self.samplesPerChannel * channels }

    private let state: OpaquePointer
    private var output: [UInt8]

    /// - Parameters:
    ///   - channels: 1 or 2.
    ///   - bitrate: bits per second (libopus accepts 500 … 512 000).
    public init(channels: Int = 1, bitrate: Int = 32_000, application: Application = .voip) throws(OpusError) {
        guard channels == 1 || channels == 2 else {
            throw .invalidInput("channels must be 1 or 2, got \(channels)")
        }
        var err: Int32 = 0
        guard let st = opus_encoder_create(Int32(Self.sampleRate), Int32(channels), application.rawValue, &err),
              err == OPUS_OK else {
            throw .codec(operation: .createEncoder, code: err == OPUS_OK ? Int32(OPUS_ALLOC_FAIL) : err)
        }
        self.state = st
        self.channels = channels
        self.output = [UInt8](repeating: 0, count: Self.maxPacketBytes)
        do {
            try setBitrate(bitrate)
        } catch {
            opus_encoder_destroy(st)
            throw error
        }
    }

    deinit { opus_encoder_destroy(state) }

    /// The bitrate libopus is currently using, in bits per second.
    public var bitrate: Int {
        var bps: Int32 = 0
        _ = tk_opus_encoder_get_bitrate(state, &bps)
        return Int(bps)
    }

    /// Sets the target bitrate in bits per second (500 … 512 000).
    public func setBitrate(_ bitsPerSecond: Int) throws(OpusError) {
        guard let bps = Int32(exactly: bitsPerSecond) else { throw .invalidInput("bitrate \(bitsPerSecond)") }
        try check(tk_opus_encoder_set_bitrate(state, bps), .setBitrate)
    }

    /// Sets encoder complexity 0 … 10 (lower is cheaper).
    public func setComplexity(_ complexity: Int) throws(OpusError) {
        guard (0...10).contains(complexity) else { throw .invalidInput("complexity \(complexity)") }
        try check(tk_opus_encoder_set_complexity(state, Int32(complexity)), .setComplexity)
    }

    /// Enables in-band forward error correction, tuned for `expectedLossPercent`.
    public func setInbandFEC(_ enabled: Bool, expectedLossPercent: Int = 10) throws(OpusError) {
        guard (0...100).contains(expectedLossPercent) else { throw .invalidInput("loss \(expectedLossPercent)") }
        try check(tk_opus_encoder_set_inband_fec(state, enabled ? 1 : 0), .setInbandFEC)
        try check(tk_opus_encoder_set_packet_loss_perc(state, Int32(expectedLossPercent)), .setPacketLossPercent)
    }

    /// Enables discontinuous transmission (tiny packets during silence).
    public func setDTX(_ enabled: Bool) throws(OpusError) {
        try check(tk_opus_encoder_set_dtx(state, enabled ? 1 : 0), .setDTX)
    }

    /// Encoder delay in samples at 48 kHz: the Ogg Opus `pre-skip`.
    public var lookahead: Int {
        var samples: Int32 = 0
        _ = tk_opus_encoder_get_lookahead(state, &samples)
        return Int(samples)
    }

    /// Encodes one 20 ms frame of interleaved Int16 PCM (`samplesPerFrame` values)
    /// into one Opus packet.
    public func encode(_ pcm: [Int16]) throws(OpusError) -> [UInt8] {
        guard pcm.count == samplesPerFrame else {
            throw .invalidInput("expected \(samplesPerFrame) samples, got \(pcm.count)")
        }
        let capacity = Int32(output.count)
        let n = pcm.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                opus_encode(state, input.baseAddress!, Int32(Self.samplesPerChannel), out.baseAddress!, capacity)
            }
        }
        guard n >= 0 else { throw .codec(operation: .encode, code: n) }
        return Array(output[0..<Int(n)])
    }

    private func check(_ rc: Int32, _ op: OpusError.Operation) throws(OpusError) {
        if rc != OPUS_OK { throw .codec(operation: op, code: rc) }
    }
}

/// Deliberately not `Sendable` (see the type's documentation); this makes the intent explicit.
@available(*, unavailable)
extension OpusEncoder: Sendable {}
