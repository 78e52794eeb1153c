import Dispatch
import NIOCore
import Synchronization
import TirekProtocol

/// The thread-safe outbound side of one connection. Producers (the room, the media fan-out) call
/// the non-blocking `send…` methods from any task; no producer ever waits on a slow socket.
///
/// Everything is queued as `WireFrame`s: a broadcast encodes its frame once and every connection
/// writes the same bytes.
///
/// Two ways to drain it:
/// - **On the channel** (`attach(_:)`, what live sessions use): a push schedules one drain on the
///   channel's event loop, which writes everything queued through `FramedWriter` and flushes once. While
///   that write is pending (the socket is full), new frames wait in the queue under its drop policy,
///   and the write's completion drains again. No task hop or async writer per frame: at 500
///   subscribers × 80 frames/s that per-frame machinery was half the server's CPU.
///   `DrainWakes` lets the fan-out wake all subscribers of one event loop with one task.
/// - **By a task** calling `next(into:)` (tests and micro-benchmarks, no socket): it gets the payloads.
@_spi(Benchmarks) public final class Outbound: Sendable {
    private struct State {
        var queue: SubscriberQueue
        /// `next(into:)` waiting for items, or (channel mode) `drained()` waiting for the end.
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
        var closeCode: UInt16?
        var closeReason = ""
        /// Channel mode: where queued items are written.
        var writer: NIOLoopBound<FramedWriter>?
        /// Channel mode: the inbox of the writer's event loop (where drains are scheduled).
        var inbox: LoopInbox?
        var drainScheduled = false
        /// Uptime nanoseconds when the pending channel write began; 0 when none is pending.
        var writeStartedAt: UInt64 = 0
        /// A channel write failed: the socket is gone, nothing more can be sent.
        var broken = false

        /// Channel mode: whether a push must schedule a drain (and marks it scheduled).
        mutating func needsDrain() -> Bool {
            guard writer != nil, !drainScheduled, writeStartedAt == 0, !broken else { return false }
            drainScheduled = true
            return true
        }

        /// `next(into:)` mode: the waiting task, to resume now that an item is queued.
        mutating func takeItemWaiter() -> CheckedContinuation<Void, Never>? {
            guard writer == nil else { return nil }
            defer { waiter = nil }
            return waiter
        }

        /// Channel mode: `drained()`'s waiter, once closed and everything queued is written (or can't be).
        mutating func takeDrainedWaiter() -> CheckedContinuation<Void, Never>? {
            guard writer != nil, closed, writeStartedAt == 0, queue.isEmpty || broken else { return nil }
            defer { waiter = nil }
            return waiter
        }
    }

    private let state: Mutex<State>

    public init(budget: SubscriberQueue.Budget = .init()) {
        state = Mutex(State(queue: SubscriberQueue(budget: budget)))
    }

    /// Drains into `channel` from now on (call before anything is queued).
    func attach(_ channel: any Channel) async throws {
        let writer = try await FramedWriter.install(on: channel)
        let inbox = LoopInbox.of(channel.eventLoop)
        state.withLock { s in
            s.writer = writer
            s.inbox = inbox
        }
    }

    /// Queues a control message (one JSON object). Returns false if the connection is closed or its
    /// backlog overflowed; the caller then closes the connection.
    @discardableResult
    public func sendControl(_ buffer: ByteBuffer) -> Bool {
        var wakes = DrainWakes()
        let ok = sendControl(WireFrame(text: buffer), wakes: &wakes)
        wakes.run()
        return ok
    }

    /// `sendControl` of an encoded frame, leaving the drain to `wakes` (one task per event loop for a
    /// whole broadcast).
    func sendControl(_ frame: WireFrame, wakes: inout DrainWakes) -> Bool {
        let (ok, waiter, inbox) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?, LoopInbox?) in
            guard !s.closed, s.queue.pushControl(frame) else { return (false, nil, nil) }
            return (true, s.takeItemWaiter(), s.needsDrain() ? s.inbox : nil)
        }
        waiter?.resume()
        if let inbox { wakes.add(self, on: inbox) }
        return ok
    }

    /// Queues a media frame under the drop policy. Returns the outcome and the video tracks this
    /// subscriber now waits a keyframe for (so the publisher can be asked for one).
    public func sendMedia(_ frame: WireFrame, header: MediaHeader, now: UInt64) -> (SubscriberQueue.MediaOutcome, MediaTrackSet) {
        var wakes = DrainWakes()
        let result = sendMedia(frame, header: header, now: now, wakes: &wakes)
        wakes.run()
        return result
    }

    /// `sendMedia`, leaving the drain to `wakes` (the fan-out wakes each event loop once per frame);
    /// `receivedAt` and `resumeFrame` as in `SubscriberQueue.pushMedia`.
    public func sendMedia(_ frame: WireFrame, header: MediaHeader, now: UInt64, receivedAt: UInt64? = nil, resumeFrame: WireFrame? = nil,
                          wakes: inout DrainWakes) -> (SubscriberQueue.MediaOutcome, MediaTrackSet) {
        let (outcome, awaiting, waiter, inbox) = state.withLock {
            s -> (SubscriberQueue.MediaOutcome, MediaTrackSet, CheckedContinuation<Void, Never>?, LoopInbox?) in
            guard !s.closed else { return (.dropped, [], nil, nil) }
            let outcome = s.queue.pushMedia(frame, header: header, now: now, receivedAt: receivedAt, resumeFrame: resumeFrame)
            guard outcome == .queued else { return (outcome, s.queue.awaitingKeyframe, nil, nil) }
            return (outcome, s.queue.awaitingKeyframe, s.takeItemWaiter(), s.needsDrain() ? s.inbox : nil)
        }
        waiter?.resume()
        if let inbox { wakes.add(self, on: inbox) }
        return (outcome, awaiting)
    }

    /// The inbox of the event loop this outbound is drained on; nil until attached (or never: a task drains it).
    var inbox: LoopInbox? { state.withLock { $0.inbox } }

    public func requireKeyframe(_ track: MediaTrack) {
        state.withLock { $0.queue.requireKeyframe(track) }
    }

    /// The close code and reason requested by `close`, if any.
    var closeRequest: (code: UInt16, reason: String)? {
        state.withLock { s in s.closeCode.map { ($0, s.closeReason) } }
    }

    public var stats: SubscriberQueue.Stats { state.withLock { $0.queue.stats } }

    public func lag(now: UInt64) -> UInt64 { state.withLock { $0.queue.lag(now: now) } }

    /// Channel mode: uptime nanoseconds when the write now pending began, 0 when none is.
    var pendingWriteSince: UInt64 { state.withLock { $0.writeStartedAt } }

    /// Waits until something is queued, then moves the payloads of all of it into `batch`. Returns
    /// false once the outbound side is closed and drained. (Not in channel mode.)
    public func next(into batch: inout [ByteBuffer]) async -> Bool {
        var frames: [WireFrame] = []
        while true {
            let (done, gotItems) = state.withLock { s -> (Bool, Bool) in
                if !s.queue.isEmpty {
                    s.queue.popAll(into: &frames)
                    return (false, true)
                }
                return (s.closed, false)
            }
            if gotItems {
                batch.append(contentsOf: frames.map(\.payload))
                return true
            }
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

    /// Channel mode: returns once the outbound side is closed and all that was queued is written,
    /// or the socket failed.
    func drained() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.waiter = c
                return s.takeDrainedWaiter()
            }
            waiter?.resume()
        }
    }

    /// Stops accepting; what is queued is still written, then the session closes the WebSocket with
    /// `code` (a WebSocket close code, e.g. 1001 going away, 1008 policy) and `reason`.
    public func close(code: UInt16? = nil, reason: String = "") {
        let (waiter, loop) = state.withLock { s -> (CheckedContinuation<Void, Never>?, (any EventLoop)?) in
            if !s.closed {
                s.closeCode = code
                s.closeReason = reason
            }
            s.closed = true
            if s.writer == nil {
                defer { s.waiter = nil }
                return (s.waiter, nil)
            }
            return (s.takeDrainedWaiter(), s.needsDrain() ? s.writer?.eventLoop : nil)
        }
        waiter?.resume()
        loop?.execute { self.drainOnLoop() }
    }

    /// Channel mode, on the channel's event loop: writes everything queued and flushes once. The
    /// write's completion drains again if more was queued meanwhile.
    func drainOnLoop() {
        var batch: [WireFrame] = []
        let writer = state.withLock { s -> NIOLoopBound<FramedWriter>? in
            s.drainScheduled = false
            guard let writer = s.writer, s.writeStartedAt == 0, !s.broken, !s.queue.isEmpty else { return nil }
            s.queue.popAll(into: &batch)
            s.writeStartedAt = max(DispatchTime.now().uptimeNanoseconds, 1)
            return writer
        }
        guard let writer else { return }
        let loop = writer.eventLoop
        writer.value.write(batch).whenComplete { result in self.writeCompleted(failed: (try? result.get()) == nil, on: loop) }
    }

    private func writeCompleted(failed: Bool, on loop: any EventLoop) {
        let (waiter, again) = state.withLock { s -> (CheckedContinuation<Void, Never>?, Bool) in
            s.writeStartedAt = 0
            if failed {
                s.broken = true
                s.closed = true
            }
            let again = !s.queue.isEmpty && s.needsDrain()
            return (s.takeDrainedWaiter(), again)
        }
        waiter?.resume()
        // A new task rather than a nested write from inside this write's completion.
        if again { loop.execute { self.drainOnLoop() } }
    }
}

/// Outbound queues that need a drain, grouped by event loop: a broadcast or a media frame to a
/// thousand subscribers costs one task per event loop, not one per subscriber.
@_spi(Benchmarks) public struct DrainWakes {
    private var groups: [(inbox: LoopInbox, outbounds: [Outbound])] = []
    /// When the drains run (see `ServerConfig.mediaWriteMergeMillis`): frames queued meanwhile go
    /// out in the same write. A deadline from the frame's arrival, not a delay from now, so a frame
    /// that reached its event loop late (behind a wave of writes) does not wait the whole merge again.
    /// nil: at once.
    private let deadline: NIODeadline?

    public init(deadline: NIODeadline? = nil) {
        self.deadline = deadline
    }

    mutating func add(_ outbound: Outbound, on inbox: LoopInbox) {
        if let i = groups.firstIndex(where: { $0.inbox === inbox }) {
            groups[i].outbounds.append(outbound)
        } else {
            groups.append((inbox, [outbound]))
        }
    }

    /// A wave of more drains than this takes up the loop's inbox after every this many.
    static let inboxEvery = 64

    /// Schedules the drains.
    public func run() {
        for group in groups {
            let (inbox, outbounds) = group
            // Frames handed to the loop while its wave runs reach the subscribers not yet written (see `LoopInbox`).
            let wave = {
                for (i, outbound) in outbounds.enumerated() {
                    if i > 0, i % Self.inboxEvery == 0 { inbox.runPending() }
                    outbound.drainOnLoop()
                }
            }
            if let deadline {
                inbox.loop.scheduleTask(deadline: deadline, wave)
            } else {
                inbox.loop.execute(wave)
            }
        }
    }
}
