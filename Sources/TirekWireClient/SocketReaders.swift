#if canImport(Glibc)
import Glibc
#endif
import CEpoll
import Foundation
import NIOCore
import Synchronization

/// Reads many WebSocket connections on a few threads of its own (one per core), each with an epoll
/// loop, plain `read` calls into one reused buffer, and a `FrameScanner` per connection: no channel,
/// pipeline, promise or buffer allocation per read. For the load generator's thousands of
/// subscribers, which share the machine's cores with the server they measure: with NIO, about 40 %
/// of the load generator's CPU was user space around each `read` (retains, the pipeline, buffers).
/// Plain `ws://` to an IPv4 address only.
public final class SocketReaders: Sendable {
    /// One thread per core, started on first use; they live as long as the process.
    public static let shared = SocketReaders(threads: System.coreCount)

    private let loops: [ReaderLoop]
    private let nextLoop = Atomic<Int>(0)

    public init(threads: Int) {
        loops = (0..<max(1, threads)).map { _ in ReaderLoop() }
        for loop in loops {
            let thread = Thread { loop.run() }
            thread.name = "tirek-reader"
            thread.start()
        }
    }

    /// Connects to `url`, upgrades, and calls `receive` on a reader thread with the first
    /// `prefixBytes` of each text or binary message's payload, its whole length and whether it is
    /// text, until the connection ends; answers pings and the server's close. With `closeAfter`,
    /// sends a close itself after that long. Returns the server's close code (nil: the connection
    /// ended without one). Throws `WireError.notUpgraded` when the server answers with another status.
    public func listen(_ url: String, origin: String? = nil, maxFrameSize: Int = 1 << 20, closeAfter: Duration? = nil,
                       prefixBytes: Int, opened: @escaping @Sendable () -> Void = {},
                       receive: @escaping @Sendable (_ prefix: ByteBuffer, _ length: Int, _ isText: Bool) -> Void)
        async throws -> UInt16? {
        let target = try WireURL(url)
        guard !target.secure else { throw WireError.invalidURL("\(url): SocketReaders reads plain ws:// only") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(target.port).bigEndian)
        let host = target.host == "localhost" ? "127.0.0.1" : target.host
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw WireError.invalidURL("\(url): SocketReaders needs an IPv4 address")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw WireError.connectFailed(errno: errno) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0, errno != EINPROGRESS {
            let failure = errno
            close(fd)
            throw WireError.connectFailed(errno: failure)
        }
        let upgrade = Array(buffer: UpgradeText.request(for: target, origin: origin))
        let closeNanos = closeAfter.map { UInt64($0.components.seconds) * 1_000_000_000 + UInt64($0.components.attoseconds / 1_000_000_000) }
        let loop = loops[nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
        return try await withCheckedThrowingContinuation { done in
            loop.add(ListenRequest(fd: fd, upgrade: upgrade, prefixBytes: prefixBytes, maxFrameSize: maxFrameSize,
                                   closeAfter: closeNanos, opened: opened, receive: receive, done: done))
        }
    }
}

/// One reader thread: an epoll instance, an eventfd that wakes it for new connections, and the
/// connections it owns (touched only on its thread).
private final class ReaderLoop: Sendable {
    private let epoll: Int32
    private let wake: Int32
    private let inbox = Mutex<[ListenRequest]>([])
    /// Bytes read at once from one socket.
    static let readSize = 128 << 10

    init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wake = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        precondition(epoll >= 0 && wake >= 0, "epoll or eventfd unavailable: errno \(errno)")
        Self.control(epoll, EPOLL_CTL_ADD, wake, events: EPOLLIN.rawValue)
    }

    func add(_ request: ListenRequest) {
        inbox.withLock { $0.append(request) }
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    func run() {
        var connections: [Int32: ReaderConnection] = [:]
        /// The connections with a deadline (while upgrading, closing, or closing after a time).
        var timed: Set<Int32> = []
        var buffer = ByteBufferAllocator().buffer(capacity: Self.readSize)
        var events = [epoll_event](repeating: epoll_event(), count: 256)

        func update(_ connection: ReaderConnection, _ outcome: ReaderConnection.Outcome) {
            let fd = connection.fd
            if case .finished(let result) = outcome {
                connections[fd] = nil
                timed.remove(fd)
                Self.control(epoll, EPOLL_CTL_DEL, fd, events: 0)
                close(fd)
                connection.request.done.resume(with: result)
                return
            }
            if connection.wantsWrite != connection.watchingWrite {
                connection.watchingWrite = connection.wantsWrite
                Self.control(epoll, EPOLL_CTL_MOD, fd, events: Self.interest(writing: connection.watchingWrite))
            }
            if (connection.deadline != nil) != connection.isTimed {
                connection.isTimed = connection.deadline != nil
                if connection.isTimed { timed.insert(fd) } else { timed.remove(fd) }
            }
        }

        while true {
            let nearest = timed.lazy.compactMap { connections[$0]?.deadline }.min()
            let timeout = nearest.map { deadline -> Int32 in
                let now = DispatchTime.now().uptimeNanoseconds
                return Int32(clamping: (deadline > now ? deadline - now : 0) / 1_000_000 + 1)
            } ?? -1
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), timeout) }
            for event in events.prefix(Int(max(count, 0))) {
                let fd = event.data.fd
                if fd == wake {
                    var value: UInt64 = 0
                    _ = read(wake, &value, 8)
                    for request in inbox.withLock({ r in defer { r = [] }; return r }) {
                        let connection = ReaderConnection(request, now: DispatchTime.now().uptimeNanoseconds)
                        connections[request.fd] = connection
                        connection.watchingWrite = true
                        connection.isTimed = true
                        timed.insert(request.fd)
                        Self.control(epoll, EPOLL_CTL_ADD, request.fd, events: Self.interest(writing: true))
                    }
                    continue
                }
                guard let connection = connections[fd] else { continue }
                if event.events & EPOLLOUT.rawValue != 0 {
                    let outcome = connection.writable()
                    update(connection, outcome)
                    if case .finished = outcome { continue }
                }
                if event.events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
                    update(connection, connection.readable(into: &buffer))
                }
            }
            let now = DispatchTime.now().uptimeNanoseconds
            if let nearest, now >= nearest {
                for fd in timed {
                    if let connection = connections[fd], let deadline = connection.deadline, deadline <= now {
                        update(connection, connection.deadlinePassed(now: now))
                    }
                }
            }
        }
    }

    private static func interest(writing: Bool) -> UInt32 {
        EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (writing ? EPOLLOUT.rawValue : 0)
    }

    private static func control(_ epoll: Int32, _ op: Int32, _ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epoll, op, fd, &event)
    }
}
