internal import CCodecShim

/// An error from the Opus wrappers. `code` is libopus's negative error code
/// (`OPUS_BAD_ARG` = -1 … `OPUS_ALLOC_FAIL` = -7); input rejected in Swift before
/// it reached libopus reports `OPUS_BAD_ARG`.
public enum OpusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libopus returned `code` from `operation`.
    case codec(operation: Operation, code: Int32)
    /// The input was rejected before reaching libopus (wrong sample count, empty packet…).
    case invalidInput(String)

    public enum Operation: String, Sendable {
        case createEncoder, createDecoder, encode, decode, setBitrate, setComplexity
        case setInbandFEC, setPacketLossPercent, setDTX, getLookahead, getBitrate, packetInfo
    }

    public var code: Int32 {
        switch self {
        case .codec(_, let code): return code
        case .invalidInput: return Int32(OPUS_BAD_ARG)
        }
    }

    public var description: String {
        switch self {
        case .codec(let op, let code):
            return "opus \(op.rawValue) failed (\(code)): \(String(cString: opus_strerror(code)))"
        case .invalidInput(let why):
            return "opus invalid input: \(why)"
        }
    }
}
