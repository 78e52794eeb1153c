import Foundation
import Synchronization
import TirekCore

/// A wall clock the server can also sleep on: lesson timers (handoffs, warnings, grace periods)
/// wait on it. `SystemClock` is real time; `ManualClock` is advanced by hand, so a 45-minute
/// lesson can run in accelerated time over real sockets.
public protocol ServerClock: WallClock {
    func sleep(until deadline: Instant) async throws
}

/// The system clock.
public struct SystemClock: ServerClock {
    public init() {}

    public func now() -> Instant { Instant(millis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }

    public func sleep(until deadline: Instant) async throws {
        let wait = deadline.millis - now().millis
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
    }
}

/// A clock that only moves when told to. Sleepers whose deadline is reached are woken by `advance`.
public final class ManualClock: ServerClock {
    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Instant
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(start: Instant) {
        state = Mutex(State(now: start))
    }

    public func now() -> Instant { state.withLock { $0.now } }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by span: Millis) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now = s.now + span
            let ready = s.sleepers.filter { $0.value.deadline <= s.now }
            for id in ready.keys { s.sleepers[id] = nil }
            return ready.map(\.value.continuation)
        }
        for c in due { c.resume() }
    }

    public func sleep(until deadline: Instant) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { s -> Bool in
                    if deadline <= s.now || Task.isCancelled { return true }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
