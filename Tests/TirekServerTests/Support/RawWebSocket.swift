import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client on a bare TCP socket: it sends the upgrade request, reads exactly the HTTP
/// response head and then reads only when asked. Used for a school whose link has stalled (it never
/// reads; its receive buffer is made small so the server feels it quickly) and to see the exact
/// frames the server puts on the wire right behind the `101` response.
///
/// The socket calls block, so they run on threads of their own: the in-process server under test
/// needs every thread of Swift's cooperative pool.
final class RawWebSocket: @unchecked Sendable {
    struct Frame: Sendable {
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
        /// The close code of a close frame (opcode 8).
        var closeCode: Int? { opcode == 8 && payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : nil }
    }

    private let fd: Int32

    /// Connects and completes the upgrade; `headers` are extra request header lines.
    static func connect(port: Int, path: String, headers: [String] = [], receiveBuffer: Int32? = nil) async throws -> RawWebSocket {
        try await offPool { try RawWebSocket(port: port, path: path, headers: headers, receiveBuffer: receiveBuffer) }
    }

    private init(port: Int, path: String, headers: [String], receiveBuffer: Int32?) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw TestFailure("connect() failed") }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + headers.map { "\($0)\r\n" }.joined() + "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        // Read only the HTTP response head, byte by byte, so no WebSocket data is consumed.
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else { close(fd); throw TestFailure("upgrade response cut short") }
            head.append(byte)
        }
        guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
            close(fd)
            throw TestFailure("upgrade refused: \(String(decoding: head, as: UTF8.self))")
        }
    }

    deinit { close(fd) }

    /// Ends the connection in both directions now (the fd is closed by deinit).
    func shutdown() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Reads server frames (unmasked, unfragmented) until a close frame, the end of the stream or
    /// `timeout` seconds without data.
    func framesUntilClose(timeout: Int = 10) async throws -> [Frame] {
        try await frames(timeout: timeout) { _ in false }
    }

    /// Reads frames until a text frame of JSON `type` (or a close, the end, or the timeout).
    func framesUntil(type: String, timeout: Int = 10) async throws -> [Frame] {
        try await frames(timeout: timeout) { $0.opcode == 1 && $0.text.contains("\"type\":\"\(type)\"") }
    }

    private func frames(timeout: Int, until last: @escaping @Sendable (Frame) -> Bool) async throws -> [Frame] {
        try await Self.offPool { [self] in
            var frames: [Frame] = []
            while frames.last?.opcode != 8, let frame = try nextFrame(timeout: timeout) {
                frames.append(frame)
                if last(frame) { break }
            }
            return frames
        }
    }

    /// The next frame, or nil at the end of the stream.
    private func nextFrame(timeout: Int) throws -> Frame? {
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard let first = try read(2) else { return nil }
        var length = Int(first[1] & 0x7f)
        if length == 126 { length = try read(2).map { Int($0[0]) << 8 | Int($0[1]) } ?? 0 }
        if length == 127 { length = try read(8).map { $0.reduce(0) { $0 << 8 | Int($1) } } ?? 0 }
        guard let payload = try read(length) else { return nil }
        return Frame(opcode: first[0] & 0x0f, payload: payload)
    }

    /// Exactly `count` bytes, or nil at the end of the stream.
    private func read(_ count: Int) throws -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n == 0 { return nil }
            if n < 0 { throw TestFailure("no data from the server (errno \(errno))") }
            got += n
        }
        return bytes
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}
