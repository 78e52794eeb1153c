import Foundation
import NIOCore
import Synchronization
import TirekProtocol
import TirekWireClient
#if canImport(Glibc)
import Glibc
#endif

/// The measurement window, in wall-clock microseconds (0 until set). A frame counts when its
/// envelope timestamp (the publisher's wall-clock send time) falls inside it.
final class LoadWindow: Sendable {
    let start = Atomic<Int64>(0)
    let end = Atomic<Int64>(.max)
    let stop = Atomic<Bool>(false)

    func contains(_ ts: Int64) -> Bool {
        let s = start.load(ordering: .relaxed)
        return s > 0 && ts >= s && ts < end.load(ordering: .relaxed)
    }
}

/// What one subscriber received.
final class SubscriberStats: Sendable {
    struct State {
        var bytes = 0
        var frames = 0
        var framesInWindow = 0
        var discontinuities = 0
        var latency = LatencyHistogram()
        var connects = 0
        var open = false
        var failures = 0
        var lastError = ""
    }

    let state = Mutex(State())

    /// Counts one message from its first bytes (`prefix`, the envelope) and whole `length`.
    func received(_ buffer: ByteBuffer, length: Int, window: LoadWindow) {
        let i = buffer.readerIndex
        guard buffer.readableBytes >= MediaHeader.size,
              let flags = buffer.getInteger(at: i + 3, as: UInt8.self),
              let ts = buffer.getInteger(at: i + 8, endianness: .big, as: UInt64.self) else { return }
        let now = wallMicros()
        let stamp = Int64(truncatingIfNeeded: ts)
        let counted = window.contains(stamp)
        state.withLock { s in
            s.bytes += length
            s.frames += 1
            if flags & MediaHeader.Flags.discontinuity.rawValue != 0 { s.discontinuities += 1 }
            if counted {
                s.framesInWindow += 1
                s.latency.add(now - stamp)
            }
        }
    }
}

enum LoadClients {
    /// Connects once and counts until the server or `closeAfter` ends the connection. Frames are
    /// counted on a reader thread as they arrive, from their envelopes alone (`SocketReaders`):
    /// plain `read` calls, no task per frame and no payload assembled, so the load generator takes
    /// less of the machine it shares with the server. Binary messages are media;
    /// text ones count too with `countText` (nchan relays the envelope in whichever frame type).
    static func subscribe(url: String, stats: SubscriberStats, window: LoadWindow, closeAfter: Duration? = nil,
                          countText: Bool = false) async {
        do {
            _ = try await SocketReaders.shared.listen(url, closeAfter: closeAfter, prefixBytes: MediaHeader.size, opened: {
                stats.state.withLock { s in
                    s.connects += 1
                    s.open = true
                }
            }, receive: { prefix, length, isText in
                if countText || !isText { stats.received(prefix, length: length, window: window) }
            })
        } catch {
            stats.state.withLock { s in
                s.failures += 1
                s.lastError = "\(error)"
            }
        }
        stats.state.withLock { $0.open = false }
    }

    /// A reading subscriber that stays: a join the server refused while it paced a wave of joins
    /// (or that ended before any media) is retried after 0.5–1.5 s, as the web client does. (The
    /// refusal's own `retry_after_ms` is not read: one rule serves refusals and cut connections.)
    static func stay(url: String, stats: SubscriberStats, window: LoadWindow) async {
        for _ in 0..<30 {
            await subscribe(url: url, stats: stats, window: window)
            if window.stop.load(ordering: .relaxed) || stats.state.withLock({ $0.frames > 0 }) { return }
            try? await Task.sleep(for: .milliseconds(Int.random(in: 500...1500)))
        }
    }

    /// A flapping subscriber: connects for 1–3 s, goes away for 0.5 s, again, until the run stops.
    static func flap(url: String, stats: SubscriberStats, window: LoadWindow) async {
        while !window.stop.load(ordering: .relaxed) {
            await subscribe(url: url, stats: stats, window: window, closeAfter: .milliseconds(Int.random(in: 1000...3000)))
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// A subscriber whose school link stalled: completes the upgrade and never reads a byte.
final class StalledClient: Sendable {
    let fd: Int32

    /// `url`: `ws://127.0.0.1:PORT/v1/ws?token=…`.
    init(url: String) throws {
        let target = try WireURL(url)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackHTTP.Failure(description: "socket() failed") }
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(target.port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw LoopbackHTTP.Failure(description: "connect() failed")
        }
        let request = Array(buffer: UpgradeText.request(for: target, origin: nil))
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else {
                close(fd)
                throw LoopbackHTTP.Failure(description: "upgrade response cut short")
            }
            head.append(byte)
        }
        guard UpgradeText.statusCode(String(decoding: head, as: UTF8.self)) == 101 else {
            close(fd)
            throw LoopbackHTTP.Failure(description: "upgrade refused")
        }
    }

    deinit { close(fd) }
}

/// The hub teacher: publishes the pre-encoded Opus (50/s) and VP8 (30/s) loops, each frame's
/// envelope timestamp set to the wall-clock send time in microseconds.
final class Publisher: Sendable {
    struct Counts {
        var audioSent = 0
        var videoSent = 0
        var audioInWindow = 0
        var videoInWindow = 0
        var videoBytes = 0
        var keyframeRequests = 0
        var error = ""
    }

    let counts = Mutex(Counts())
    let video: [(bytes: [UInt8], key: Bool)]
    let audio: [[UInt8]]

    init(video: [(bytes: [UInt8], key: Bool)], audio: [[UInt8]]) {
        self.video = video
        self.audio = audio
    }

    func run(url: String, window: LoadWindow) async {
        do {
            // The hub teacher's `attendance.live` lists everyone in the lesson (about 230 bytes each):
            // over 1 MiB from about 4,500 participants.
            _ = try await WireSocket.connect(url, maxFrameSize: 16 << 20) { inbound, writer in
                let publishing = Task { try await self.publish(writer, window: window) }
                defer { publishing.cancel() }
                while let message = try await inbound.next() {
                    if case .text(let text) = message, text.contains("media.keyframe_needed") {
                        self.counts.withLock { $0.keyframeRequests += 1 }
                    }
                }
            }
        } catch {
            counts.withLock { $0.error = "\(error)" }
        }
    }

    private func publish(_ writer: WireWriter, window: LoadWindow) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var audioIndex = 0, videoIndex = 0
        let allocator = ByteBufferAllocator()
        while !window.stop.load(ordering: .relaxed) {
            let audioAt = Duration.milliseconds(audioIndex * 20)
            let videoAt = Duration.microseconds(Int64(videoIndex) * 1_000_000 / 30)
            let isAudio = audioAt <= videoAt
            try await Task.sleep(until: start + (isAudio ? audioAt : videoAt), clock: clock)
            let ts = wallMicros()
            let inWindow = window.contains(ts)
            let frame: ByteBuffer
            if isAudio {
                let header = MediaHeader(track: .audio, sequence: UInt32(truncatingIfNeeded: audioIndex), timestamp: UInt64(ts))
                frame = header.frame(payload: audio[audioIndex % audio.count], allocator: allocator)
                audioIndex += 1
                counts.withLock { c in
                    c.audioSent += 1
                    if inWindow { c.audioInWindow += 1 }
                }
            } else {
                let chunk = video[videoIndex % video.count]
                let header = MediaHeader(track: .camera, flags: chunk.key ? .keyframe : [],
                                         sequence: UInt32(truncatingIfNeeded: videoIndex), timestamp: UInt64(ts))
                frame = header.frame(payload: chunk.bytes, allocator: allocator)
                videoIndex += 1
                counts.withLock { c in
                    c.videoSent += 1
                    c.videoBytes += chunk.bytes.count
                    if inWindow { c.videoInWindow += 1 }
                }
            }
            try await writer.send(binary: frame)
        }
        try? await writer.close(reason: "load generator done")
    }
}
