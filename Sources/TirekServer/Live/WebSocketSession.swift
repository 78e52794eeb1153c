import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import TirekCore
import TirekProtocol

/// Runs one admitted WebSocket: registers it with its room, then one task writes the connection's
/// outbound queue to the socket while another reads and dispatches inbound frames. When either side
/// ends, both do, and the connection leaves the room.
struct WebSocketSession {
    let connection: LiveConnection
    let room: LessonRoom
    let metrics: ServerMetrics
    let logger: Logger

    /// A connection that sends this many bad messages within `abuseWindow` is closed (1008).
    static let abuseLimit = 30
    static let abuseWindow: UInt64 = 10_000_000_000

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        do {
            try await room.join(connection)
        } catch {
            logger.error("join failed", metadata: ["error": "\(error)"])
            try? await outbound.close(.unexpectedServerError, reason: "could not record your join; try again")
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await writeLoop(outbound) }
            group.addTask {
                await readLoop(inbound)
                connection.outbound.close()
            }
            await group.next()
            group.cancelAll()
        }
        await room.leave(connection)
    }

    private func writeLoop(_ outbound: WebSocketOutboundWriter) async {
        var batch: [ByteBuffer] = []
        batch.reserveCapacity(64)
        do {
            while await connection.outbound.next(into: &batch) {
                for buffer in batch {
                    let opcode: WebSocketOpcode = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == UInt8(ascii: "{") ? .text : .binary
                    try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: opcode, data: buffer)))
                }
                batch.removeAll(keepingCapacity: true)
            }
            if let request = connection.outbound.closeRequest {
                try await outbound.close(WebSocketErrorCode(codeNumber: Int(request.code)), reason: request.reason)
            }
        } catch {
            // The peer went away mid-write; the read side notices and the session ends.
        }
    }

    private func readLoop(_ inbound: WebSocketInboundStream) async {
        let decoder = ControlDecoder()
        var errorTimes: [UInt64] = []
        do {
            for try await message in inbound.messages(maxSize: WireLimits.maxFrameBytes) {
                let problem: ProtocolError?
                switch message {
                case .text(let text):
                    metrics.controlIn.increment()
                    do {
                        let frame = try decoder.decode(text.utf8)
                        await room.handle(frame, from: connection)
                        problem = nil
                    } catch {
                        problem = error
                    }
                case .binary(let buffer):
                    metrics.mediaIn.increment()
                    problem = publish(buffer)
                }
                if let problem {
                    await room.reply(error: problem, to: connection)
                    let now = DispatchTime.now().uptimeNanoseconds
                    errorTimes.append(now)
                    errorTimes.removeAll { now &- $0 > Self.abuseWindow }
                    if errorTimes.count >= Self.abuseLimit {
                        connection.outbound.close(code: 1008, reason: "too many invalid messages")
                        return
                    }
                }
            }
        } catch {
            logger.debug("read ended", metadata: ["error": "\(error)"])
        }
    }

    private func publish(_ buffer: ByteBuffer) -> ProtocolError? {
        let header: MediaHeader
        do {
            header = try MediaHeader.parse(buffer)
        } catch {
            return error
        }
        switch room.fanout.publish(buffer, header: header, from: connection.participant.id, now: DispatchTime.now().uptimeNanoseconds) {
        case .delivered:
            return nil
        case .forbidden(let why):
            return ProtocolError(.forbidden, why)
        }
    }
}
