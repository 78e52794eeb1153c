import Dispatch
import NIOCore
import Synchronization

/// Closes connections whose peer stopped reading: one write pending longer than `timeout` means
/// neither our frames nor WebSocket pings (dead-peer detection) can get out.
///
/// One sweep for the whole server, every `interval`, while any connection is watched. (A watchdog
/// task per connection cost thousands of timer wake-ups a second and a task each: at 2,000
/// subscribers its timers alone were 3 % of the server's CPU.)
final class StallWatch: Sendable {
    struct Watched {
        /// Uptime nanoseconds when the connection's pending write began; 0 when none is
        /// (`Outbound.pendingWriteSince`).
        let pendingWriteSince: @Sendable () -> UInt64
        /// Called once, outside the watch's lock, when the connection has stalled (it is unwatched then).
        let onStall: @Sendable () -> Void
    }

    private struct State {
        var watched: [UInt64: Watched] = [:]
        var sweeping = false
    }

    private let state = Mutex(State())
    private let timeoutNanos: UInt64
    private let interval: Duration

    init(timeout: Duration, interval: Duration = .milliseconds(250)) {
        let (seconds, attoseconds) = timeout.components
        timeoutNanos = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        self.interval = interval
    }

    /// Watches a connection until `unwatch(id)` or until it stalls.
    func watch(_ id: UInt64, _ watched: Watched) {
        let startSweeping = state.withLock { s -> Bool in
            s.watched[id] = watched
            guard !s.sweeping else { return false }
            s.sweeping = true
            return true
        }
        if startSweeping { Task { await sweep() } }
    }

    func unwatch(_ id: UInt64) {
        state.withLock { _ = $0.watched.removeValue(forKey: id) }
    }

    /// Sweeps every `interval`; ends when nothing is watched (the next `watch` starts it again).
    private func sweep() async {
        while true {
            try? await Task.sleep(for: interval)
            let now = DispatchTime.now().uptimeNanoseconds
            let (stalled, goOn) = state.withLock { s -> ([Watched], Bool) in
                var stalled: [Watched] = []
                for (id, watched) in s.watched {
                    let started = watched.pendingWriteSince()
                    // A write may have begun after `now` was read: not stalled.
                    guard started != 0, now > started, now - started > timeoutNanos else { continue }
                    stalled.append(watched)
                    s.watched[id] = nil
                }
                if s.watched.isEmpty { s.sweeping = false }
                return (stalled, s.sweeping)
            }
            for watched in stalled { watched.onStall() }
            if !goOn { return }
        }
    }
}
