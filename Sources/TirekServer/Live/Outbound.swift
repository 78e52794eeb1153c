import NIOCore
import Synchronization
import TirekProtocol

/// The thread-safe outbound side of one connection. Producers (the room, the media fan-out) call
/// the non-blocking `send…` methods from any task; one writer task per connection drains it with
/// `next(into:)` and writes to the socket. No producer ever waits on a slow socket.
@_spi(Benchmarks) public final class Outbound: Sendable {
    private struct State {
        var queue: SubscriberQueue
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
        var closeCode: UInt16?
        var closeReason = ""
    }

    private let state: Mutex<State>

    public init(budget: SubscriberQueue.Budget = .init()) {
        state = Mutex(State(queue: SubscriberQueue(budget: budget)))
    }

    /// Queues a control message. Returns false if the connection is closed or its backlog overflowed;
    /// the caller then closes the connection.
    @discardableResult
    public func sendControl(_ buffer: ByteBuffer) -> Bool {
        let (ok, waiter) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !s.closed, s.queue.pushControl(buffer) else { return (false, nil) }
            defer { s.waiter = nil }
            return (true, s.waiter)
        }
        waiter?.resume()
        return ok
    }

    /// Queues a media frame under the drop policy. Returns the outcome and the video tracks this
    /// subscriber now waits a keyframe for (so the publisher can be asked for one).
    public func sendMedia(_ buffer: ByteBuffer, header: MediaHeader, now: UInt64) -> (SubscriberQueue.MediaOutcome, Set<MediaTrack>) {
        let (outcome, awaiting, waiter) = state.withLock { s -> (SubscriberQueue.MediaOutcome, Set<MediaTrack>, CheckedContinuation<Void, Never>?) in
            guard !s.closed else { return (.dropped, [], nil) }
            let outcome = s.queue.pushMedia(buffer, header: header, now: now)
            guard outcome == .queued else { return (outcome, s.queue.awaitingKeyframe, nil) }
            defer { s.waiter = nil }
            return (outcome, s.queue.awaitingKeyframe, s.waiter)
        }
        waiter?.resume()
        return (outcome, awaiting)
    }

    public func requireKeyframe(_ track: MediaTrack) {
        state.withLock { $0.queue.requireKeyframe(track) }
    }

    /// The close code and reason requested by `close`, if any.
    var closeRequest: (code: UInt16, reason: String)? {
        state.withLock { s in s.closeCode.map { ($0, s.closeReason) } }
    }

    public var stats: SubscriberQueue.Stats { state.withLock { $0.queue.stats } }

    public func lag(now: UInt64) -> UInt64 { state.withLock { $0.queue.lag(now: now) } }

    /// Waits until something is queued, then moves all of it into `batch`. Returns false once the
    /// outbound side is closed and drained.
    public func next(into batch: inout [ByteBuffer]) async -> Bool {
        while true {
            let (done, gotItems) = state.withLock { s -> (Bool, Bool) in
                if !s.queue.isEmpty {
                    s.queue.popAll(into: &batch)
                    return (false, true)
                }
                return (s.closed, false)
            }
            if gotItems { return true }
            if done { return false }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.closed || !s.queue.isEmpty { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// Stops accepting; the writer drains what is queued, then closes the WebSocket with `code`
    /// (a WebSocket close code, e.g. 1001 going away, 1008 policy) and `reason`.
    public func close(code: UInt16? = nil, reason: String = "") {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if !s.closed {
                s.closeCode = code
                s.closeReason = reason
            }
            s.closed = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }
}
