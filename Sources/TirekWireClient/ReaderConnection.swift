#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import NIOCore

/// What `SocketReaders.listen` hands to a reader thread: one connection to open and read.
struct ListenRequest: Sendable {
    let fd: Int32
    /// The HTTP upgrade request.
    let upgrade: [UInt8]
    let prefixBytes: Int
    let maxFrameSize: Int
    /// Nanoseconds after the upgrade at which the client sends a close itself (nil: never).
    let closeAfter: UInt64?
    let opened: @Sendable () -> Void
    let receive: @Sendable (_ prefix: ByteBuffer, _ length: Int, _ isText: Bool) -> Void
    let done: CheckedContinuation<UInt16?, any Error>
}

/// One connection of `SocketReaders`, used only on its reader thread. It sends the upgrade request
/// once connected, reads the response head, and then the frames with a `FrameScanner`, handing each
/// message's first bytes and length to `receive`; it answers pings and the server's close, and sends
/// its own close at `closeAfter`. Plain system calls on a non-blocking socket; the thread's epoll
/// loop calls `writable`, `readable` and `deadlinePassed`, and ends the connection on `.finished`.
final class ReaderConnection {
    enum Outcome {
        case keep
        /// Done: the server's close code (nil: none came), or why it failed.
        case finished(Result<UInt16?, any Error>)
    }

    private enum Phase { case connecting, handshaking, open }

    /// How long connecting and the upgrade may take.
    static let handshakeTimeout: UInt64 = 10_000_000_000
    /// How long the server has to answer a close the client sent.
    static let closeTimeout: UInt64 = 5_000_000_000

    let request: ListenRequest
    private var phase = Phase.connecting
    private var head = ByteBuffer()
    private var scanner: FrameScanner
    private var closeCode: UInt16?
    private var closeSent = false
    private var serverClosed = false
    /// Bytes to send that the socket has not taken yet (the request, pongs, a close).
    private var output: [UInt8]
    /// Uptime nanoseconds of the next timeout (the handshake's, the client's close, the close's answer).
    private(set) var deadline: UInt64?
    /// The loop's bookkeeping: whether epoll watches this socket for writing, and whether the
    /// connection is among those with a deadline.
    var watchingWrite = false
    var isTimed = false

    init(_ request: ListenRequest, now: UInt64) {
        self.request = request
        scanner = FrameScanner(prefixBytes: request.prefixBytes, maxFrameSize: request.maxFrameSize)
        output = request.upgrade
        deadline = now + Self.handshakeTimeout
    }

    var fd: Int32 { request.fd }

    /// Whether the loop must watch for the socket to take more bytes.
    var wantsWrite: Bool { phase == .connecting || !output.isEmpty }

    /// The socket can take bytes (or, while connecting, the connect finished).
    func writable() -> Outcome {
        if phase == .connecting {
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
            guard error == 0 else { return .finished(.failure(WireError.connectFailed(errno: error))) }
            phase = .handshaking
        }
        return flush()
    }

    /// The socket has bytes (or ended); reads once into `buffer` (cleared first).
    func readable(into buffer: inout ByteBuffer) -> Outcome {
        buffer.clear()
        var failure: Int32 = 0
        let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { space in
            let n = read(fd, space.baseAddress, space.count)
            if n < 0 { failure = errno }
            return max(n, 0)
        }
        if failure == EAGAIN || failure == EWOULDBLOCK || failure == EINTR { return .keep }
        guard count > 0 else {
            // The end of the connection (or a reset).
            if phase != .open { return .finished(.failure(WireError.badHandshake("connection closed during the handshake"))) }
            return .finished(.success(closeCode))
        }
        if phase == .open { return scan(&buffer) }
        head.writeBuffer(&buffer)
        return readHead()
    }

    /// `deadline` has passed.
    func deadlinePassed(now: UInt64) -> Outcome {
        guard phase == .open else {
            return .finished(.failure(WireError.badHandshake("no upgrade within \(Self.handshakeTimeout / 1_000_000_000) s")))
        }
        if closeSent { return .finished(.success(closeCode)) } // the server never answered the close
        sendClose(code: 1000, reason: "going away")
        deadline = now + Self.closeTimeout
        return flush()
    }

    private func readHead() -> Outcome {
        guard let end = UpgradeText.headEnd(head.readableBytesView) else {
            if head.readableBytes > UpgradeText.maxHeadBytes {
                return .finished(.failure(WireError.badHandshake("response head too long")))
            }
            return .keep
        }
        let text = String(buffer: head.readSlice(length: end - head.readerIndex)!)
        guard let status = UpgradeText.statusCode(text) else {
            return .finished(.failure(WireError.badHandshake(String(text.prefix(80)))))
        }
        guard status == 101 else { return .finished(.failure(WireError.notUpgraded(status: status))) }
        phase = .open
        deadline = request.closeAfter.map { DispatchTime.now().uptimeNanoseconds + $0 }
        request.opened()
        var rest = head
        head = ByteBuffer()
        return rest.readableBytes > 0 ? scan(&rest) : .keep
    }

    private func scan(_ bytes: inout ByteBuffer) -> Outcome {
        do {
            try scanner.scan(&bytes) { event in
                switch event {
                case .message(let prefix, let length, let isText):
                    request.receive(prefix, length, isText)
                case .ping(let data):
                    output += ClientFrame.encode(opcode: ClientFrame.pong, payload: Array(buffer: data))
                case .pong:
                    break
                case .close(let code):
                    serverClosed = true
                    if closeCode == nil { closeCode = code ?? 1005 }
                    sendClose(code: ClientFrame.closeAnswer(to: code), reason: "")
                }
            }
        } catch {
            // The server broke the protocol: close with 1002, as a WebSocket client must.
            if closeCode == nil { closeCode = 1002 }
            sendClose(code: 1002, reason: "")
            serverClosed = true
        }
        return flush()
    }

    private func sendClose(code: UInt16, reason: String) {
        guard !closeSent else { return }
        closeSent = true
        output += ClientFrame.close(code: code, reason: reason)
    }

    /// Sends what the socket takes of `output`; once the server has closed and our answer is out, done.
    private func flush() -> Outcome {
        while !output.isEmpty {
            let n = output.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .keep }
                return .finished(phase == .open ? .success(closeCode) : .failure(WireError.connectFailed(errno: errno)))
            }
            output.removeFirst(n)
        }
        return serverClosed ? .finished(.success(closeCode)) : .keep
    }
}
