internal import CCodecShim

/// Opus decoder at 48 kHz producing interleaved Int16 PCM.
///
/// Not `Sendable`: it owns a libopus decoder state that must not be used from
/// two threads at once. The state is freed in `deinit`.
public final class OpusDecoder {
    /// Largest frame an Opus packet can carry: 120 ms at 48 kHz.
    static let maxSamplesPerChannel = 5_760

    public let channels: Int
    private let state: OpaquePointer
    private var output: [Int16]

    public init(channels: Int = 1) throws(OpusError) {
        guard channels == 1 || channels == 2 else {
            throw .invalidInput("channels must be 1 or 2, got \(channels)")
        }
        var err: Int32 = 0
        guard let st = opus_decoder_create(Int32(OpusEncoder.sampleRate), Int32(channels), &err),
              err == OPUS_OK else {
            throw .codec(operation: .createDecoder, code: err == OPUS_OK ? Int32(OPUS_ALLOC_FAIL) : err)
        }
        state = st
        self.channels = channels
        output = [Int16](repeating: 0, count: Self.maxSamplesPerChannel * channels)
    }

    deinit { opus_decoder_destroy(state) }

    /// Decodes one Opus packet; returns interleaved PCM (`samples per channel × channels` values,
    /// 960 × channels for a 20 ms packet).
    public func decode(_ packet: [UInt8]) throws(OpusError) -> [Int16] {
        guard !packet.isEmpty else { throw .invalidInput("empty packet") }
        guard let len = Int32(exactly: packet.count) else { throw .invalidInput("packet too large") }
        return try run(packet: packet, length: len, frameSize: Int32(Self.maxSamplesPerChannel))
    }

    /// Packet-loss concealment: synthesises `samplesPerChannel` samples (default one 20 ms
    /// frame) for a packet that never arrived.
    public func decodeLoss(samplesPerChannel: Int = OpusEncoder.samplesPerChannel) throws(OpusError) -> [Int16] {
        guard samplesPerChannel > 0, samplesPerChannel <= Self.maxSamplesPerChannel,
              samplesPerChannel % 120 == 0 else {
            throw .invalidInput("loss frame size \(samplesPerChannel)")
        }
        return try run(packet: nil, length: 0, frameSize: Int32(samplesPerChannel))
    }

    /// Samples per channel (at 48 kHz) that `packet` decodes to, from its TOC byte(s).
    public static func sampleCount(of packet: [UInt8]) throws(OpusError) -> Int {
        guard !packet.isEmpty, let len = Int32(exactly: packet.count) else { throw .invalidInput("empty packet") }
        let n = packet.withUnsafeBufferPointer { opus_packet_get_nb_samples($0.baseAddress!, len, 48_000) }
        guard n > 0 else { throw .codec(operation: .packetInfo, code: n < 0 ? n : Int32(OPUS_INVALID_PACKET)) }
        return Int(n)
    }

    private func run(packet: [UInt8]?, length: Int32, frameSize: Int32) throws(OpusError) -> [Int16] {
        let n: Int32 = output.withUnsafeMutableBufferPointer { out in
            if let packet {
                return packet.withUnsafeBufferPointer { p in
                    opus_decode(state, p.baseAddress, length, out.baseAddress!, frameSize, 0)
                }
            }
            return opus_decode(state, nil, 0, out.baseAddress!, frameSize, 0)
        }
        guard n >= 0 else { throw .codec(operation: .decode, code: n) }
        return Array(output[0..<(Int(n) * channels)])
    }
}

/// Deliberately not `Sendable` (see the type's documentation); this makes the intent explicit.
@available(*, unavailable)
extension OpusDecoder: Sendable {}
