internal import CCodecShim

/// An error from the VP8 wrappers. `code` is libvpx's `vpx_codec_err_t`
/// (e.g. 5 = `VPX_CODEC_UNSUP_BITSTREAM`, 7 = `VPX_CODEC_CORRUPT_FRAME`,
/// 8 = `VPX_CODEC_INVALID_PARAM`); input rejected in Swift reports 8.
public enum VP8Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// libvpx returned `code` from `operation`; `detail` is `vpx_codec_error_detail` when set.
    case codec(operation: Operation, code: Int32, detail: String?)
    /// Rejected before reaching libvpx (wrong frame size, empty data, bad settings…).
    case invalidInput(String)

    public enum Operation: String, Sendable {
        case configDefault, initEncoder, initDecoder, control, configure, encode, decode, allocateImage
    }

    public var code: Int32 {
        switch self {
        case .codec(_, let code, _): return code
        case .invalidInput: return Int32(VPX_CODEC_INVALID_PARAM.rawValue)
        }
    }

    public var description: String {
        switch self {
        case .codec(let op, let code, let detail):
            let name = String(cString: vpx_codec_err_to_string(vpx_codec_err_t(rawValue: UInt32(bitPattern: code))))
            return "vpx \(op.rawValue) failed (\(code) \(name))" + (detail.map { ": \($0)" } ?? "")
        case .invalidInput(let why):
            return "vp8 invalid input: \(why)"
        }
    }

    static func from(_ err: vpx_codec_err_t, _ op: Operation, _ ctx: UnsafeMutablePointer<vpx_codec_ctx_t>?) -> VP8Error {
        var detail: String?
        if let ctx, let d = vpx_codec_error_detail(ctx) { detail = String(cString: d) }
        return .codec(operation: op, code: Int32(bitPattern: err.rawValue), detail: detail)
    }
}
