internal import CCodecShim

/// Realtime VP8 encoder (libvpx, one pass, CBR, no lag, error-resilient).
///
/// Not `Sendable`: it owns a libvpx context and image buffer that must not be
/// used from two threads at once. Keep it inside one task or actor. Both are
/// freed in `deinit`.
public final class VP8Encoder {
    public struct Settings: Sendable, Equatable {
        public var width: Int
        public var height: Int
        /// Target bitrate in kilobits per second.
        public var bitrateKbps: Int
        public var framesPerSecond: Int
        /// Maximum frames between keyframes (`kf_max_dist`); 0 means no periodic
        /// keyframes (only the first frame and forced ones).
        public var keyframeInterval: Int
        /// libvpx `cpu-used`: -16…16. Negative values are a fixed speed (deterministic
        /// output); positive values let libvpx adapt speed to the deadline. Higher
        /// magnitude is faster and lower quality.
        public var cpuUsed: Int
        public var threads: Int
        /// Tune for screen content (sharp text, static areas).
        public var screenContent: Bool

        public init(width: Int, height: Int, bitrateKbps: Int = 800, framesPerSecond: Int = 30,
                    keyframeInterval: Int = 60, cpuUsed: Int = -12, threads: Int = 1, screenContent: Bool = false) {
            self.width = width
            self.height = height
            self.bitrateKbps = bitrateKbps
            self.framesPerSecond = framesPerSecond
            self.keyframeInterval = keyframeInterval
            self.cpuUsed = cpuUsed
            self.threads = threads
            self.screenContent = screenContent
        }
    }

    public let settings: Settings
    public var width: Int { settings.width }
    public var height: Int { settings.height }
    /// Duration of one frame in microseconds at the configured frame rate.
    public var frameDurationMicros: Int64 { 1_000_000 / Int64(settings.framesPerSecond) }

    private let ctx: UnsafeMutablePointer<vpx_codec_ctx_t>
    private let image: UnsafeMutablePointer<vpx_image_t>
    private var config: vpx_codec_enc_cfg_t

    public convenience init(width: Int, height: Int, bitrateKbps: Int = 800, framesPerSecond: Int = 30,
                            keyframeInterval: Int = 60) throws(VP8Error) {
        try self.init(settings: Settings(width: width, height: height, bitrateKbps: bitrateKbps,
                                         framesPerSecond: framesPerSecond, keyframeInterval: keyframeInterval))
    }

    public init(settings: Settings) throws(VP8Error) {
        let s = settings
        guard (2...16_383).contains(s.width), (2...16_383).contains(s.height) else {
            throw .invalidInput("size \(s.width)x\(s.height)")
        }
        guard s.bitrateKbps > 0, s.framesPerSecond > 0, s.framesPerSecond <= 1000, s.keyframeInterval >= 0,
              (-16...16).contains(s.cpuUsed), (1...64).contains(s.threads) else {
            throw .invalidInput("settings \(s)")
        }
        var cfg = vpx_codec_enc_cfg_t()
        let rc = tk_vp8_enc_config_default(&cfg)
        guard rc == VPX_CODEC_OK else { throw VP8Error.from(rc, .configDefault, nil) }
        cfg.g_w = UInt32(s.width)
        cfg.g_h = UInt32(s.height)
        cfg.g_timebase = vpx_rational(num: 1, den: 1_000_000)  // pts in microseconds
        cfg.g_threads = UInt32(s.threads)
        cfg.g_lag_in_frames = 0
        cfg.g_error_resilient = vpx_codec_er_flags_t(VPX_ERROR_RESILIENT_DEFAULT)
        cfg.g_pass = VPX_RC_ONE_PASS
        cfg.rc_end_usage = VPX_CBR
        cfg.rc_target_bitrate = UInt32(s.bitrateKbps)
        cfg.rc_min_quantizer = 2
        cfg.rc_max_quantizer = 56
        cfg.rc_undershoot_pct = 100
        cfg.rc_overshoot_pct = 15
        cfg.rc_buf_sz = 1000
        cfg.rc_buf_initial_sz = 500
        cfg.rc_buf_optimal_sz = 600
        cfg.rc_dropframe_thresh = 0
        if s.keyframeInterval > 0 {
            cfg.kf_mode = VPX_KF_AUTO
            cfg.kf_min_dist = 0
            cfg.kf_max_dist = UInt32(s.keyframeInterval)
        } else {
            cfg.kf_mode = VPX_KF_DISABLED
        }

        let ctx = UnsafeMutablePointer<vpx_codec_ctx_t>.allocate(capacity: 1)
        ctx.initialize(to: vpx_codec_ctx_t())
        let initRC = tk_vp8_enc_init(ctx, &cfg)
        guard initRC == VPX_CODEC_OK else {
            let error = VP8Error.from(initRC, .initEncoder, ctx)
            vpx_codec_destroy(ctx)
            ctx.deallocate()
            throw error
        }
        guard let img = vpx_img_alloc(nil, VPX_IMG_FMT_I420, UInt32(s.width), UInt32(s.height), 16) else {
            vpx_codec_destroy(ctx)
            ctx.deallocate()
            throw .codec(operation: .allocateImage, code: Int32(VPX_CODEC_MEM_ERROR.rawValue), detail: nil)
        }
        self.ctx = ctx
        self.image = img
        self.config = cfg
        self.settings = s
        // From here on deinit cleans up.
        try control(tk_vp8_set_cpuused(ctx, Int32(s.cpuUsed)))
        try control(tk_vp8_set_static_threshold(ctx, s.screenContent ? 100 : 1))
        // Cap keyframe size so a keyframe does not stall a slow link (WebRTC's rule of thumb).
        let maxIntraPct = max(300, Int(Double(cfg.rc_buf_optimal_sz) * 0.5 * Double(s.framesPerSecond) / 10))
        try control(tk_vp8_set_max_intra_bitrate_pct(ctx, UInt32(maxIntraPct)))
        if s.screenContent { try control(tk_vp8_set_screen_content_mode(ctx, 1)) }
    }

    deinit {
        vpx_codec_destroy(ctx)
        ctx.deallocate()
        vpx_img_free(image)
    }

    /// Current target bitrate in kbps.
    public var bitrateKbps: Int { Int(config.rc_target_bitrate) }

    /// Changes the target bitrate on the fly (e.g. adapting a rendition).
    public func setBitrate(kbps: Int) throws(VP8Error) {
        guard kbps > 0, let v = UInt32(exactly: kbps) else { throw .invalidInput("bitrate \(kbps)") }
        config.rc_target_bitrate = v
        let rc = vpx_codec_enc_config_set(ctx, &config)
        guard rc == VPX_CODEC_OK else { throw VP8Error.from(rc, .configure, ctx) }
    }

    /// Encodes one frame. `timestampMicros` must increase from call to call.
    /// Returns the chunks libvpx produced (normally exactly one; VP8 in this
    /// configuration neither drops nor delays frames).
    public func encode(_ frame: I420Frame, timestampMicros: Int64, forceKeyframe: Bool = false) throws(VP8Error) -> [EncodedChunk] {
        guard frame.width == width, frame.height == height else {
            throw .invalidInput("frame \(frame.width)x\(frame.height) for a \(width)x\(height) encoder")
        }
        copy(frame.y, plane: 0, width: frame.width, height: frame.height)
        copy(frame.u, plane: 1, width: frame.chromaWidth, height: frame.chromaHeight)
        copy(frame.v, plane: 2, width: frame.chromaWidth, height: frame.chromaHeight)
        let flags: vpx_enc_frame_flags_t = forceKeyframe ? tk_vpx_eflag_force_kf() : 0
        let rc = vpx_codec_encode(ctx, image, timestampMicros, UInt(frameDurationMicros), flags, UInt(tk_vpx_dl_realtime()))
        guard rc == VPX_CODEC_OK else { throw VP8Error.from(rc, .encode, ctx) }
        return drain()
    }

    /// Encodes frame number `frameIndex` at the configured fps
    /// (timestamp `frameIndex · 1 000 000 / fps` µs, without drift).
    public func encode(_ frame: I420Frame, frameIndex: Int, forceKeyframe: Bool = false) throws(VP8Error) -> [EncodedChunk] {
        let ts = Int64(frameIndex) * 1_000_000 / Int64(settings.framesPerSecond)
        return try encode(frame, timestampMicros: ts, forceKeyframe: forceKeyframe)
    }

    /// Flushes frames libvpx still holds (none with the realtime settings used here).
    public func flush() throws(VP8Error) -> [EncodedChunk] {
        let rc = vpx_codec_encode(ctx, nil, 0, 0, 0, UInt(tk_vpx_dl_realtime()))
        guard rc == VPX_CODEC_OK else { throw VP8Error.from(rc, .encode, ctx) }
        return drain()
    }

    private func drain() -> [EncodedChunk] {
        var chunks: [EncodedChunk] = []
        var iter: vpx_codec_iter_t? = nil
        while let pkt = vpx_codec_get_cx_data(ctx, &iter) {
            guard tk_vpx_pkt_is_frame(pkt) != 0, let buf = tk_vpx_pkt_frame_buf(pkt) else { continue }
            let bytes = Array(UnsafeBufferPointer(start: buf, count: tk_vpx_pkt_frame_size(pkt)))
            chunks.append(EncodedChunk(bytes: bytes, isKeyframe: tk_vpx_pkt_frame_is_key(pkt) != 0,
                                       timestampMicros: tk_vpx_pkt_frame_pts(pkt), durationMicros: frameDurationMicros))
        }
        return chunks
    }

    private func copy(_ src: [UInt8], plane: Int32, width: Int, height: Int) {
        guard let dst = tk_vpx_img_plane(image, plane) else { return }
        let stride = Int(tk_vpx_img_stride(image, plane))
        src.withUnsafeBufferPointer { s in
            guard let base = s.baseAddress else { return }
            for row in 0..<height {
                (dst + row * stride).update(from: base + row * width, count: width)
            }
        }
    }

    private func control(_ rc: vpx_codec_err_t) throws(VP8Error) {
        guard rc == VPX_CODEC_OK else { throw VP8Error.from(rc, .control, ctx) }
    }
}

/// Deliberately not `Sendable` (see the type's documentation); this makes the intent explicit.
@available(*, unavailable)
extension VP8Encoder: Sendable {}
