import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import TirekCore
import TirekProtocol

/// Runs one admitted WebSocket: registers it with its room, then one task writes the connection's
/// outbound queue to the socket (on the channel's event loop) while another reads and dispatches inbound frames. When either side
/// ends, both do, and the connection leaves the room.
struct WebSocketSession {
    let connection: LiveConnection
    let room: LessonRoom
    let metrics: ServerMetrics
    let logger: Logger
    /// The underlying channel, closed directly when writes stall (a close frame could not get out).
    let channel: any Channel
    /// Closes the connection when one write stays pending too long (the peer stopped reading).
    let stallWatch: StallWatch

    /// A connection that sends this many bad messages within `abuseWindow` is closed (1008).
    static let abuseLimit = 30
    static let abuseWindow: UInt64 = 10_000_000_000

    /// Rethrows the WebSocket library's own close errors (1002 protocol error, 1009 message too large)
    /// after leaving the room, so the library closes with the right code.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        do {
            try await connection.outbound.attach(channel)
        } catch {
            logger.debug("connection closed before it joined", metadata: ["error": "\(error)"])
            return
        }
        do {
            // In a task of its own: the join's deep async frames (logging, the welcome snapshot)
            // would otherwise stay in this connection's task allocator for the connection's life.
            try await Task { try await room.join(connection) }.value
        } catch let retired as LessonRoom.Retired {
            logger.info("join raced the unloading of an ended lesson", metadata: ["error": "\(retired)"])
            try? await outbound.close(.unexpectedServerError, reason: "could not record your join; try again")
            return
        } catch {
            logger.error("join failed", metadata: ["error": "\(error)"])
            try? await outbound.close(.unexpectedServerError, reason: "could not record your join; try again")
            return
        }
        // When the reader ends, the writer drains what is queued and sends the close frame; when the
        // writer ends first (socket gone, or a close was requested), the reader is cancelled.
        enum Ended { case writer, reader((any Error)?) }
        stallWatch.watch(connection.id, .init { [connection] in connection.outbound.pendingWriteSince } onStall: { [connection, metrics, logger, channel] in
            metrics.slowClosed.increment()
            logger.notice("closing a stalled connection", metadata: ["connection": "\(connection.id)"])
            connection.outbound.close()
            channel.close(promise: nil)
        })
        let readError = await withTaskGroup(of: Ended.self) { group -> (any Error)? in
            group.addTask {
                await writeLoop(outbound)
                return .writer
            }
            group.addTask {
                let error = await readLoop(inbound)
                connection.markClosed(at: room.clock.now())
                connection.outbound.close()
                return .reader(error)
            }
            var error: (any Error)?
            for await ended in group {
                switch ended {
                case .writer:
                    connection.markClosed(at: room.clock.now())
                    group.cancelAll()
                case .reader(let e): error = e
                }
            }
            return error
        }
        stallWatch.unwatch(connection.id)
        // Not cancellable: the leave must reach the lesson log even when the connection's task was
        // cancelled (the log write would otherwise fail with CancellationError and the leave be lost).
        await Self.uncancellable { await room.leave(connection) }
        if let readError, !(readError is CancellationError) { throw readError }
    }

    /// Runs `work` in a task of its own, so the caller's cancellation does not reach it.
    static func uncancellable(_ work: @escaping @Sendable () async -> Void) async {
        await Task { await work() }.value
    }

    /// The writing itself happens on the channel's event loop (`Outbound.attach`); this waits until the
    /// outbound side is closed and everything queued is written, then sends the requested close frame.
    private func writeLoop(_ outbound: WebSocketOutboundWriter) async {
        await connection.outbound.drained()
        if let request = connection.outbound.closeRequest {
            // The peer may be gone already; the read side notices and the session ends.
            try? await outbound.close(WebSocketErrorCode(codeNumber: Int(request.code)), reason: request.reason)
        }
    }

    /// Reads until the peer closes (nil) or the stream fails (the error).
    private func readLoop(_ inbound: WebSocketInboundStream) async -> (any Error)? {
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
                        // A message read before the connection ended is handled to the end (persisted
                        // and broadcast), even if the reader is cancelled meanwhile.
                        await Self.uncancellable { await room.handle(frame, from: connection) }
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
                        return nil
                    }
                }
            }
            return nil
        } catch {
            logger.debug("read ended", metadata: ["error": "\(error)"])
            return error
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
