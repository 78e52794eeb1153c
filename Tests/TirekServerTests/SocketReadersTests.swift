import Foundation
import NIOCore
import Synchronization
import Testing
import TirekProtocol
import TirekWireClient
#if canImport(Glibc)
import Glibc
#endif

/// The load generator's reader threads (`SocketReaders`): the upgrade, messages cut at any read,
/// pings and closes answered with masked frames, refusals reported; against a scripted server that
/// writes raw bytes, and against a real Tirek server.
@Suite struct SocketReadersTests {
    /// What `listen` handed over: each message's first bytes, length, and whether it was text.
    final class Received: Sendable {
        let messages = Mutex<[(prefix: [UInt8], length: Int, isText: Bool)]>([])
        let opened = Atomic(0)

        func add(_ prefix: ByteBuffer, _ length: Int, _ isText: Bool) {
            messages.withLock { $0.append((Array(buffer: prefix), length, isText)) }
        }
    }

    static let readers = SocketReaders(threads: 1)

    static func listen(port: Int, closeAfter: Duration? = nil, received: Received) async throws -> UInt16? {
        try await readers.listen("ws://127.0.0.1:\(port)/v1/ws?token=x", closeAfter: closeAfter, prefixBytes: 16,
                                 opened: { received.opened.add(1, ordering: .relaxed) },
                                 receive: { received.add($0, $1, $2) })
    }

    /// A server frame (unmasked).
    static func frame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            out.append(UInt8(payload.count))
        } else {
            out += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        return out + payload
    }

    static let switching = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8)

    @Test func readsMessagesSplitAcrossWritesAndAnswersPingAndCloseMasked() async throws {
        let binary = (0..<4_200).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let server = try ScriptedServer { client in
            let head = try client.readHead()
            #expect(head.hasPrefix("GET /v1/ws?token=x HTTP/1.1\r\n") && head.contains("Upgrade: websocket\r\n"))
            // The 101 and the first message in one write; the binary message cut in the middle of its header.
            let whole = Self.frame(opcode: 0x2, binary)
            try client.write(Self.switching + Self.frame(opcode: 0x1, Array("hello".utf8)) + whole.prefix(3))
            Thread.sleep(forTimeInterval: 0.05)
            try client.write(Array(whole.dropFirst(3).prefix(1_000)))
            Thread.sleep(forTimeInterval: 0.05)
            try client.write(Array(whole.dropFirst(1_003)) + Self.frame(opcode: 0x9, Array("p1".utf8))
                + Self.frame(opcode: 0x8, [0x0F, 0xA1] + Array("bye".utf8)))
            return try client.readFrames(count: 2)
        }
        let received = Received()
        let code = try await Self.listen(port: server.port, received: received)
        #expect(code == 4001, "the server's close code")
        #expect(received.opened.load(ordering: .relaxed) == 1)
        let messages = received.messages.withLock { $0 }
        #expect(messages.count == 2)
        #expect(messages.first.map { ($0.prefix, $0.length, $0.isText) } ?? ([], 0, false) == (Array("hello".utf8), 5, true))
        #expect(messages.last.map { ($0.prefix, $0.length, $0.isText) } ?? ([], 0, true) == (Array(binary.prefix(16)), 4_200, false))
        #expect(try await server.result() == [.pong("p1"), .close(4001)], "a masked pong with the ping's bytes, then the close echoed")
    }

    @Test func anUpgradeAnsweredWithAnotherStatusThrowsNotUpgraded() async throws {
        let server = try ScriptedServer { client in
            _ = try client.readHead()
            try client.write(Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".utf8))
            return []
        }
        await #expect {
            _ = try await Self.listen(port: server.port, received: Received())
        } throws: { error in
            if case WireError.notUpgraded(status: 403) = error { return true }
            return false
        }
        _ = try await server.result()
    }

    @Test func aRefusedConnectionThrows() async throws {
        let port = try ScriptedServer.unusedPort()
        await #expect {
            _ = try await Self.listen(port: port, received: Received())
        } throws: { error in
            if case WireError.connectFailed(errno: ECONNREFUSED) = error { return true }
            return false
        }
    }

    @Test func closeAfterSendsACloseAndReturnsTheServersAnswer() async throws {
        let server = try ScriptedServer { client in
            _ = try client.readHead()
            try client.write(Self.switching)
            let frames = try client.readFrames(count: 1)
            try client.write(Self.frame(opcode: 0x8, [0x03, 0xE8]))
            return frames
        }
        let started = ContinuousClock.now
        let code = try await Self.listen(port: server.port, closeAfter: .milliseconds(300), received: Received())
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        #expect(code == 1000)
        #expect(try await server.result().map(\.opcode) == [0x8], "one masked close")
    }

    @Test func countsATirekLessonsWelcomeAndMediaAndEndsWithTheServer() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server)
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        let received = Received()
        let listening = Task { try await Self.readers.listen(lesson.url(server, "s1-1"), prefixBytes: MediaHeader.size,
                                                              receive: { received.add($0, $1, $2) }) }
        while !received.messages.withLock({ $0.contains { $0.isText } }) { try await Task.sleep(for: .milliseconds(20)) }
        for sequence in UInt32(1)...20 {
            try await hub.send(binary: MediaFrames.frame(track: .camera, sequence: sequence, keyframe: sequence == 1, size: 5_000))
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while clock.now < deadline, received.messages.withLock({ $0.filter { !$0.isText }.count }) < 20 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let media = received.messages.withLock { $0.filter { !$0.isText } }
        #expect(media.map { try? MediaHeader.parse(ByteBuffer(bytes: $0.prefix)).sequence } == (1...20).map { $0 })
        #expect(media.allSatisfy { $0.length == MediaHeader.size + 5_000 })
        try await server.stop()
        #expect(try await listening.value == 1001, "the server went away")
    }
}

/// A one-connection TCP server on 127.0.0.1 that runs `script` on a thread of its own with the
/// accepted socket: it writes raw bytes and reads the client's control frames.
final class ScriptedServer: Sendable {
    /// The accepted socket, with helpers to read the request and the client's frames.
    struct Client {
        let fd: Int32

        func readHead() throws -> String {
            var head: [UInt8] = []
            var byte: UInt8 = 0
            while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
                guard recv(fd, &byte, 1, 0) == 1 else { throw TestFailure("request cut short") }
                head.append(byte)
            }
            return String(decoding: head, as: UTF8.self)
        }

        func write(_ bytes: [UInt8]) throws {
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw TestFailure("send failed: errno \(errno)") }
                sent += n
            }
        }

        /// Reads `count` control frames from the client: each must be masked (a client's frames
        /// always are); returns their opcodes and unmasked payloads.
        func readFrames(count: Int) throws -> [ClientControl] {
            try (0..<count).map { _ in
                let head = try read(2)
                guard head[1] & 0x80 != 0 else { throw TestFailure("an unmasked frame from the client") }
                let length = Int(head[1] & 0x7F)
                guard length <= 125 else { throw TestFailure("a control frame of \(length) bytes") }
                let key = try read(4)
                let payload = try read(length).enumerated().map { $0.element ^ key[$0.offset % 4] }
                return ClientControl(opcode: head[0] & 0x0F, fin: head[0] & 0x80 != 0, payload: payload)
            }
        }

        private func read(_ count: Int) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { throw TestFailure("the client closed after \(got) of \(count) bytes") }
                got += n
            }
            return out
        }
    }

    /// A control frame the client sent.
    struct ClientControl: Equatable {
        var opcode: UInt8
        var fin: Bool
        var payload: [UInt8]

        static func pong(_ text: String) -> ClientControl { .init(opcode: 0xA, fin: true, payload: Array(text.utf8)) }
        static func close(_ code: UInt16) -> ClientControl { .init(opcode: 0x8, fin: true, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]) }
    }

    let port: Int
    private let listener: Int32
    private let outcome = Mutex<Result<[ClientControl], any Error>?>(nil)

    init(_ script: @escaping @Sendable (Client) throws -> [ClientControl]) throws {
        (listener, port) = try Self.bound()
        guard Glibc.listen(listener, 1) == 0 else { throw TestFailure("listen failed") }
        let thread = Thread { [self] in
            let fd = accept(listener, nil, nil)
            let result = Result { () throws -> [ClientControl] in
                guard fd >= 0 else { throw TestFailure("accept failed") }
                return try script(Client(fd: fd))
            }
            if fd >= 0 { close(fd) }
            self.outcome.withLock { $0 = result }
        }
        thread.start()
    }

    deinit { close(listener) }

    /// What the script returned, once it has ended.
    func result() async throws -> [ClientControl] {
        while true {
            if let result = outcome.withLock({ $0 }) { return try result.get() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// A port nothing listens on.
    static func unusedPort() throws -> Int {
        let (fd, port) = try bound()
        close(fd)
        return port
    }

    private static func bound() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, size) == 0 && getsockname(fd, $0, &size) == 0
            }
        }
        guard ok else {
            close(fd)
            throw TestFailure("bind failed: errno \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
