import TirekMedia

/// Why a camera frame could not be turned into the low-bandwidth rendition.
enum RenditionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The source frame did not decode (corrupt, or a delta frame without its keyframe).
    case decode(VP8Error)
    /// The low-bitrate encoder could not be created, or failed on a frame.
    case encode(VP8Error)

    /// A stable code for logs.
    var code: String {
        switch self {
        case .decode: "rendition_decode_failed"
        case .encode: "rendition_encode_failed"
        }
    }

    var description: String {
        switch self {
        case .decode(let e): "\(code): \(e)"
        case .encode(let e): "\(code): \(e)"
        }
    }
}

/// Decodes the camera's VP8, downscales the picture (box filter) and re-encodes it as
/// low-bitrate VP8. The encoder is created at the first picture and again whenever the source size
/// changes (its first frame is a keyframe). The output's timestamps follow the source's.
///
/// Not `Sendable`: it owns libvpx contexts. `LowBandwidthRendition` uses it only on its worker
/// queue; `release()` frees both codecs.
final class RenditionTranscoder {
    let settings: LowBandwidthRendition.Settings
    private var decoder: VP8Decoder?
    private var encoder: VP8Encoder?
    private var pacer: KeyframePacer
    /// The encoder's clock (µs): increases by the source's frame spacing, clamped, so a publisher
    /// whose timestamps jump or restart cannot make libvpx refuse a frame.
    private var pts: Int64 = 0
    private var lastSourceTimestamp: UInt64?

    init(settings: LowBandwidthRendition.Settings) {
        self.settings = settings
        pacer = KeyframePacer(interval: settings.keyframeIntervalNanos)
    }

    /// Holds no codec (nothing allocated in libvpx).
    var isReleased: Bool { decoder == nil && encoder == nil }

    /// Output picture size for a source size: at most `maxWidth`×`maxHeight`, same aspect ratio,
    /// never larger than the source, even dimensions (4:2:0), at least 2×2.
    static func outputSize(width: Int, height: Int, maxWidth: Int, maxHeight: Int) -> (width: Int, height: Int) {
        let width = max(1, width), height = max(1, height)
        let w: Int, h: Int
        if width * maxHeight >= height * maxWidth {  // the width is the limit
            w = min(width, maxWidth)
            h = height * w / width
        } else {
            h = min(height, maxHeight)
            w = width * h / height
        }
        return (max(2, w & ~1), max(2, h & ~1))
    }

    /// A subscriber needs a keyframe: the next encoded frame is one (paced).
    func requestKeyframe() { pacer.request() }

    /// Decodes one source VP8 frame; when `encode` is set, returns the low-bandwidth encoding of
    /// its picture (normally one chunk). A source keyframe makes the output frame a keyframe too
    /// (paced, see `KeyframePacer`). `now` is uptime nanoseconds.
    func transcode(_ payload: [UInt8], sourceTimestamp: UInt64, sourceKeyframe: Bool, encode: Bool,
                   now: UInt64) throws(RenditionError) -> [EncodedChunk] {
        let picture: I420Frame?
        do throws(VP8Error) {
            let decoder: VP8Decoder
            if let current = self.decoder {
                decoder = current
            } else {
                decoder = try VP8Decoder(threads: 1)
                self.decoder = decoder
            }
            picture = try decoder.decode(payload)
        } catch {
            // After a failure the decoder must restart at a keyframe: a fresh one enforces that.
            self.decoder = nil
            throw .decode(error)
        }
        guard encode, let picture else { return [] }
        if sourceKeyframe { pacer.request() }
        let size = Self.outputSize(width: picture.width, height: picture.height,
                                   maxWidth: settings.maxWidth, maxHeight: settings.maxHeight)
        do throws(VP8Error) {
            let encoder: VP8Encoder
            if let current = self.encoder, current.width == size.width, current.height == size.height {
                encoder = current
            } else {
                self.encoder = nil
                encoder = try VP8Encoder(settings: .init(width: size.width, height: size.height,
                                                         bitrateKbps: settings.bitrateKbps,
                                                         framesPerSecond: settings.framesPerSecond,
                                                         keyframeInterval: settings.encoderKeyframeInterval,
                                                         cpuUsed: settings.cpuUsed, threads: 1))
                self.encoder = encoder
                pacer.encoderStarted(now: now)
                lastSourceTimestamp = nil
            }
            advanceClock(to: sourceTimestamp)
            let small = picture.downscaled(toWidth: size.width, height: size.height)
            return try encoder.encode(small, timestampMicros: pts, forceKeyframe: pacer.shouldForce(now: now))
        } catch {
            self.encoder = nil
            throw .encode(error)
        }
    }

    /// Frees both codecs; the next frame starts over (decoder at a keyframe, new encoder).
    func release() {
        decoder = nil
        encoder = nil
        pacer.reset()
        lastSourceTimestamp = nil
    }

    private func advanceClock(to sourceTimestamp: UInt64) {
        let frame = Int64(1_000_000 / max(1, settings.framesPerSecond))
        if let last = lastSourceTimestamp {
            let step = sourceTimestamp > last ? Int64(clamping: sourceTimestamp - last) : frame
            pts += min(max(step, 1_000), 1_000_000)
        }
        lastSourceTimestamp = sourceTimestamp
    }
}

/// Deliberately not `Sendable` (it owns libvpx contexts).
@available(*, unavailable)
extension RenditionTranscoder: Sendable {}
