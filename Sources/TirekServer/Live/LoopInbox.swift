import NIOCore
import Synchronization

/// Work handed to one event loop from other threads: a media frame's fan-out to that loop's
/// subscribers. Run in submission order, on the loop, by whichever comes first: a task of its own,
/// or a wave of drains already running there, which takes the inbox between its drains
/// (`DrainWakes`).
///
/// Why: a wave writes a thousand sockets in one task, 30–60 ms. A frame handed over as a plain
/// task would wait for the whole wave and then for its place in the next one (up to two waves).
/// Taken up inside the wave, it reaches every subscriber the wave has not written yet, and the
/// others on their next write: at most one wave. The number of writes does not change.
final class LoopInbox: Sendable {
    let loop: any EventLoop
    private let pending = Mutex<[@Sendable () -> Void]>([])

    private init(loop: any EventLoop) {
        self.loop = loop
    }

    /// The inbox of `loop` (one per loop, for the life of the process).
    static func of(_ loop: any EventLoop) -> LoopInbox {
        registry.withLock { inboxes in
            let key = ObjectIdentifier(loop)
            if let inbox = inboxes[key] { return inbox }
            let inbox = LoopInbox(loop: loop)
            inboxes[key] = inbox // holds the loop: its identifier cannot be reused by another
            return inbox
        }
    }

    private static let registry = Mutex<[ObjectIdentifier: LoopInbox]>([:])

    /// Queues `work` to run on the loop after everything submitted before it.
    func submit(_ work: @escaping @Sendable () -> Void) {
        let first = pending.withLock { queue in
            queue.append(work)
            return queue.count == 1
        }
        // A task per empty-to-nonempty step; one that finds the inbox already taken by a wave does nothing.
        if first { loop.execute { self.runPending() } }
    }

    /// On the loop: runs what is queued, in order.
    func runPending() {
        let work = pending.withLock { queue -> [@Sendable () -> Void] in
            guard !queue.isEmpty else { return [] }
            defer { queue = [] }
            return queue
        }
        for item in work { item() }
    }
}
