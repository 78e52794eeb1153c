import Foundation
import NIOCore
import NIOSSL
import NIOWebSocket
import Synchronization
import TirekWireClient

/// A WebSocket client for tests: collects what the server sends and lets the test wait for
/// the next message of a given type.
final class TestSocket: Sendable {
    enum Frame: Sendable {
        case text(String)
        case binary(ByteBuffer)
    }

    private struct State {
        var frames: [Frame] = []
        /// Every text message ever received, in order (`next` does not remove from here).
        var history: [String] = []
        /// Sequence numbers of media frames, in arrival order (kept instead of the bytes when `keepMedia` is false).
        var mediaSequences: [UInt32] = []
        var closed = false
        var writer: WireWriter?
        var closeCode: Int?
    }

    private let state = Mutex(State())
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Connects and waits for the upgrade; throws if it is refused.
    /// With `tls`, the server name sent is `localhost` (NIOSSL cannot send an IP address).
    static func connect(_ url: String, keepMedia: Bool = true, tls: TLSConfiguration? = nil,
                        timeout: Duration = .seconds(10)) async throws -> TestSocket {
        let socket = TestSocket()
        let t = Task {
            do {
                let close = try await WireSocket.connect(url, tls: tls, serverHostname: tls == nil ? nil : "localhost") { inbound, writer in
                    socket.state.withLock { $0.writer = writer }
                    while let message = try await inbound.next() {
                        switch message {
                        case .text(let text):
                            socket.state.withLock {
                                $0.frames.append(.text(text))
                                $0.history.append(text)
                            }
                        case .binary(let buffer):
                            let sequence = buffer.getInteger(at: buffer.readerIndex + 4, endianness: .big, as: UInt32.self) ?? 0
                            socket.state.withLock { s in
                                s.mediaSequences.append(sequence)
                                if keepMedia { s.frames.append(.binary(buffer)) }
                            }
                        }
                    }
                }
                socket.state.withLock { $0.closeCode = close.map(Int.init) }
            } catch {}
            socket.state.withLock { $0.closed = true }
        }
        socket.task.withLock { $0 = t }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (ready, closed) = socket.state.withLock { ($0.writer != nil, $0.closed) }
            if ready { return socket }
            if closed { throw TestFailure("connection to \(url.prefix(60)) was refused or closed") }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("timed out connecting")
    }

    var isClosed: Bool { state.withLock { $0.closed } }
    var closeCode: Int? { state.withLock { $0.closeCode } }

    func send(_ text: String) async throws {
        guard let writer = state.withLock({ $0.writer }) else { throw TestFailure("not connected") }
        try await writer.send(text: text)
    }

    func send(binary: ByteBuffer) async throws {
        guard let writer = state.withLock({ $0.writer }) else { throw TestFailure("not connected") }
        try await writer.send(binary: binary)
    }

    func close() async {
        if let writer = state.withLock({ $0.writer }) {
            try? await writer.close()
        }
        let t = task.withLock { $0 }
        _ = await t?.value
    }

    /// Removes and returns the first queued text message whose `type` matches, waiting up to `timeout`.
    func next(_ type: String, timeout: Duration = .seconds(10), where predicate: @Sendable ([String: Any]) -> Bool = { _ in true }) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = state.withLock { s -> [String: Any]? in
                for (i, frame) in s.frames.enumerated() {
                    guard case .text(let text) = frame, Self.mayBe(type, text), let obj = try? JSON.object(text),
                          obj["type"] as? String == type, predicate(obj) else { continue }
                    s.frames.remove(at: i)
                    return obj
                }
                return nil
            }
            if let found { return found }
            if ContinuousClock.now > deadline { throw TestFailure("no \(type) within \(timeout); have \(textTypes())") }
            if isClosed && state.withLock({ $0.frames.isEmpty }) { throw TestFailure("closed while waiting for \(type)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Every message of a type received since connecting, including those `next` has taken.
    func received(_ type: String) -> [[String: Any]] {
        state.withLock { s in
            s.history.compactMap { text -> [String: Any]? in
                guard Self.mayBe(type, text), let obj = try? JSON.object(text), obj["type"] as? String == type else { return nil }
                return obj
            }
        }
    }

    /// Text messages of a type received and not yet taken by `next`.
    func all(_ type: String) -> [[String: Any]] {
        state.withLock { s in
            s.frames.compactMap { frame -> [String: Any]? in
                guard case .text(let text) = frame, Self.mayBe(type, text), let obj = try? JSON.object(text),
                      obj["type"] as? String == type else { return nil }
                return obj
            }
        }
    }

    /// Cheap pre-check before parsing: with a thousand clients each holding thousands of presence
    /// messages, parsing every one on every poll took minutes.
    static func mayBe(_ type: String, _ text: String) -> Bool {
        text.contains("\"type\":\"\(type)\"")
    }

    func textTypes() -> [String] {
        state.withLock { s in
            s.frames.compactMap { frame in
                guard case .text(let text) = frame else { return nil }
                return (try? JSON.object(text))?["type"] as? String
            }
        }
    }

    /// Envelope sequence numbers of the media frames received so far, in order.
    var mediaSequences: [UInt32] { state.withLock { $0.mediaSequences } }

    /// Binary frames received so far.
    var binaryFrames: [ByteBuffer] {
        state.withLock { s in s.frames.compactMap { if case .binary(let b) = $0 { b } else { nil } } }
    }
}
