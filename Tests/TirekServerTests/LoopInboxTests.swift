import Dispatch
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import TirekServer

/// `LoopInbox`: work handed to an event loop from other threads runs there in submission order,
/// by a task of its own or earlier, when a task already running on the loop takes the inbox.
struct LoopInboxTests {
    @Test func oneInboxPerLoop() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let (a, b) = (group.next(), group.next())
        #expect(LoopInbox.of(a) === LoopInbox.of(a))
        #expect(LoopInbox.of(a) !== LoopInbox.of(b))
    }

    @Test func workRunsOnTheLoopInSubmissionOrder() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let inbox = LoopInbox.of(loop)
        let ran = Mutex<[Int]>([])
        let offLoop = Atomic(0)
        for i in 0..<1000 {
            inbox.submit {
                if !loop.inEventLoop { offLoop.add(1, ordering: .relaxed) }
                ran.withLock { $0.append(i) }
            }
        }
        try await loop.submit {}.get() // after every task the submissions scheduled
        #expect(ran.withLock { $0 } == Array(0..<1000))
        #expect(offLoop.load(ordering: .relaxed) == 0)
    }

    /// A task busy on the loop (a wave of drains) runs what was submitted meanwhile when it takes
    /// the inbox, instead of leaving it for after itself.
    @Test func aRunningTaskTakesUpWorkSubmittedMeanwhile() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let inbox = LoopInbox.of(loop)
        let submitted = DispatchSemaphoreBox()
        let order = Mutex<[String]>([])
        let wave = loop.submit {
            submitted.wait() // the work below is submitted from another thread while this task runs
            order.withLock { $0.append("wave: first half") }
            inbox.runPending()
            order.withLock { $0.append("wave: second half") }
        }
        inbox.submit { order.withLock { $0.append("frame") } }
        submitted.signal()
        try await wave.get()
        try await loop.submit {}.get()
        #expect(order.withLock { $0 } == ["wave: first half", "frame", "wave: second half"])
    }
}

/// A semaphore the test's closures can capture.
private final class DispatchSemaphoreBox: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func wait() { semaphore.wait() }
    func signal() { semaphore.signal() }
}
