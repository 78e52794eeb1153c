import NIOCore
import NIOWebSocket

/// Joins a message's data frames: a text or binary frame, then continuations until `fin`.
struct MessageAssembler {
    private var partial: (isText: Bool, data: ByteBuffer)?

    /// The whole message once `frame` completes one (nil for a part, or for a frame that is not
    /// text, binary or continuation).
    mutating func add(_ frame: WebSocketFrame) -> (isText: Bool, data: ByteBuffer)? {
        switch frame.opcode {
        case .text, .binary:
            let message = (isText: frame.opcode == .text, data: frame.unmaskedData)
            if frame.fin { return message }
            partial = message
        case .continuation:
            guard var p = partial else { return nil }
            var data = frame.unmaskedData
            p.data.writeBuffer(&data)
            if frame.fin {
                partial = nil
                return p
            }
            partial = p
        default:
            break
        }
        return nil
    }
}
