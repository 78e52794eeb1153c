internal import CCodecShim

/// VP8 decoder (libvpx) producing `I420Frame`s.
///
/// A fresh decoder must start at a keyframe; a delta frame first is rejected with
/// `VPX_CODEC_UNSUP_BITSTREAM`. Truncated or malformed frames throw; note that VP8
/// cannot detect every corruption of a delta frame, so a damaged but well-formed
/// frame can decode to a damaged picture. After an error, resume at the next keyframe.
///
/// Not `Sendable`: it owns a libvpx context that must not be used from two threads
/// at once. The context is freed in `deinit`.
public final class VP8Decoder {
    private let ctx: UnsafeMutablePointer<vpx_codec_ctx_t>

    public init(threads: Int = 1) throws(VP8Error) {
        guard (1...64).contains(threads) else { throw .invalidInput("threads \(threads)") }
        let ctx = UnsafeMutablePointer<vpx_codec_ctx_t>.allocate(capacity: 1)
        ctx.initialize(to: vpx_codec_ctx_t())
        let rc = tk_vp8_dec_init(ctx, UInt32(threads))
        guard rc == VPX_CODEC_OK else {
            let error = VP8Error.from(rc, .initDecoder, ctx)
            vpx_codec_destroy(ctx)
            ctx.deallocate()
            throw error
        }
        self.ctx = ctx
    }

    deinit {
        vpx_codec_destroy(ctx)
        ctx.deallocate()
    }

    /// Decodes one VP8 frame. Returns the picture, or `nil` when the frame is not
    /// shown (VP8 alt-ref frames; the encoders here never produce them).
    public func decode(_ bytes: [UInt8]) throws(VP8Error) -> I420Frame? {
        guard !bytes.isEmpty else { throw .invalidInput("empty frame") }
        guard let size = UInt32(exactly: bytes.count) else { throw .invalidInput("frame too large") }
        let rc = bytes.withUnsafeBufferPointer { vpx_codec_decode(ctx, $0.baseAddress, size, nil, 0) }
        guard rc == VPX_CODEC_OK else { throw VP8Error.from(rc, .decode, ctx) }
        var result: I420Frame?
        var iter: vpx_codec_iter_t? = nil
        while let img = vpx_codec_get_frame(ctx, &iter) {
            result = try Self.frame(from: img)
        }
        return result
    }

    private static func frame(from img: UnsafeMutablePointer<vpx_image_t>) throws(VP8Error) -> I420Frame {
        guard tk_vpx_img_is_i420(img) != 0 else { throw .invalidInput("decoder produced a non-I420 image") }
        var frame = I420Frame(width: Int(tk_vpx_img_width(img)), height: Int(tk_vpx_img_height(img)))
        frame.y = plane(img, 0, frame.width, frame.height)
        frame.u = plane(img, 1, frame.chromaWidth, frame.chromaHeight)
        frame.v = plane(img, 2, frame.chromaWidth, frame.chromaHeight)
        return frame
    }

    private static func plane(_ img: UnsafeMutablePointer<vpx_image_t>, _ index: Int32, _ width: Int, _ height: Int) -> [UInt8] {
        guard let src = tk_vpx_img_plane(img, index) else { return [UInt8](repeating: 0, count: width * height) }
        let stride = Int(tk_vpx_img_stride(img, index))
        return [UInt8](unsafeUninitializedCapacity: width * height) { buf, count in
            for row in 0..<height {
                (buf.baseAddress! + row * width).initialize(from: src + row * stride, count: width)
            }
            count = width * height
        }
    }
}

/// Deliberately not `Sendable` (see the type's documentation); this makes the intent explicit.
@available(*, unavailable)
extension VP8Decoder: Sendable {}
