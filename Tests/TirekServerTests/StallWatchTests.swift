import Dispatch
import Synchronization
import Testing
@testable import TirekServer

/// The server-wide sweep that closes connections whose pending write is older than the stall
/// timeout (end to end with a real non-reading client: `StalledConnectionTests`).
@Suite struct StallWatchTests {
    static let second: UInt64 = 1_000_000_000

    /// A watched connection whose pending write began at `since()` (0: none pending).
    final class Probe: Sendable {
        let since: @Sendable () -> UInt64
        private let stalls = Atomic<Int>(0)
        init(since: @escaping @Sendable () -> UInt64) { self.since = since }
        var watched: StallWatch.Watched { .init(pendingWriteSince: since) { self.stalls.add(1, ordering: .relaxed) } }
        var stalled: Int { stalls.load(ordering: .relaxed) }
    }

    @Test func onlyAWriteOlderThanTheTimeoutIsAStallAndEachStallIsReportedOnce() async throws {
        let watch = StallWatch(timeout: .seconds(10), interval: .milliseconds(10))
        let now: @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
        let stuck = Probe { now() - 11 * Self.second }
        let slowButMoving = Probe { now() - 9 * Self.second }
        let idle = Probe { 0 }
        // A write that began after the sweep read its clock must not look 584 years old.
        let justStarted = Probe { now() + Self.second / 1000 }
        for (id, probe) in [stuck, slowButMoving, idle, justStarted].enumerated() { watch.watch(UInt64(id), probe.watched) }
        for _ in 0..<200 where stuck.stalled == 0 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(60)) // several more sweeps
        #expect(stuck.stalled == 1, "reported once, then no longer watched")
        #expect(slowButMoving.stalled == 0 && idle.stalled == 0 && justStarted.stalled == 0)
    }

    @Test func anUnwatchedConnectionIsNotReportedAndTheSweepRestartsWhenNeeded() async throws {
        let watch = StallWatch(timeout: .seconds(1), interval: .milliseconds(10))
        let stuck = Probe { DispatchTime.now().uptimeNanoseconds - 2 * Self.second }
        watch.watch(1, stuck.watched)
        watch.unwatch(1)
        try await Task.sleep(for: .milliseconds(50)) // the sweep finds nothing and ends
        #expect(stuck.stalled == 0)
        let later = Probe { DispatchTime.now().uptimeNanoseconds - 2 * Self.second }
        watch.watch(2, later.watched)
        for _ in 0..<200 where later.stalled == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(later.stalled == 1, "a new watch started a new sweep")
    }
}
