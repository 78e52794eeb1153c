import Foundation
import NIOCore
import Testing
import TirekCore
import TirekMedia
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// Real codecs end to end: the hub teacher publishes VP8 (camera) and Opus (audio) encoded by
/// TirekMedia from the synthetic sources, in envelopes over a real WebSocket; 50 subscribers
/// receive everything; one of them decodes every frame it gets, and a late joiner decodes from
/// the very first frame it receives (the server's group-of-pictures cache).
@Suite struct MediaEndToEndTests {
    static let width = 320, height = 240
    static let fps = 30
    static let videoFrames = 90 // 3 s
    static let audioFrames = 150 // 3 s of 20 ms frames
    static let keyframeInterval = 40

    /// A paced send schedule of real encoded frames: (offset in ms, envelope frame).
    static func encodedStream() throws -> (video: [(Int, ByteBuffer)], audio: [(Int, ByteBuffer)]) {
        let pattern = TestPattern(width: width, height: height, noise: 8)
        let vp8 = try VP8Encoder(width: width, height: height, bitrateKbps: 500, framesPerSecond: fps,
                                 keyframeInterval: keyframeInterval)
        var video: [(Int, ByteBuffer)] = []
        for i in 0..<videoFrames {
            // Force keyframes on a fixed cadence so the late joiner lands mid-group deterministically.
            for chunk in try vp8.encode(pattern.frame(i), frameIndex: i, forceKeyframe: i % keyframeInterval == 0) {
                let header = MediaHeader(track: .camera, flags: chunk.isKeyframe ? .keyframe : [], sequence: UInt32(i),
                                         timestamp: UInt64(chunk.timestampMicros))
                video.append((i * 1000 / fps, header.frame(payload: chunk.bytes)))
            }
        }
        let tone = ToneGenerator(frequency: 440)
        let opus = try OpusEncoder(channels: 1, bitrate: 32_000)
        var audio: [(Int, ByteBuffer)] = []
        for i in 0..<audioFrames {
            let packet = try opus.encode(tone.frame(i))
            let header = MediaHeader(track: .audio, sequence: UInt32(i), timestamp: UInt64(i * 20_000))
            audio.append((i * 20, header.frame(payload: packet)))
        }
        return (video, audio)
    }

    struct Decoded {
        var videoCounters: [Int] = []
        var videoSequences: [UInt32] = []
        var firstVideoFlags: MediaHeader.Flags = []
        var audioSequences: [UInt32] = []
        var audioSamples = 0
    }

    /// Decodes every media frame in arrival order with fresh decoders; throws on the first failure.
    static func decodeAll(_ frames: [ByteBuffer], pattern: TestPattern) throws -> Decoded {
        let vp8 = try VP8Decoder()
        let opus = try OpusDecoder(channels: 1)
        var out = Decoded()
        for frame in frames {
            let header = try MediaHeader.parse(frame)
            let payload = Array(frame.readableBytesView.dropFirst(MediaHeader.size))
            switch header.kind {
            case .video:
                if out.videoSequences.isEmpty { out.firstVideoFlags = header.flags }
                guard let image = try vp8.decode(payload) else { throw TestFailure("VP8 frame \(header.sequence) gave no picture") }
                guard image.width == width, image.height == height else { throw TestFailure("frame \(header.sequence) is \(image.width)x\(image.height)") }
                guard let counter = pattern.readFrameCounter(from: image) else { throw TestFailure("frame \(header.sequence): counter unreadable") }
                out.videoCounters.append(counter)
                out.videoSequences.append(header.sequence)
            case .audio:
                out.audioSamples += try opus.decode(payload).count
                out.audioSequences.append(header.sequence)
            }
        }
        return out
    }

    @Test func vp8AndOpusReachFiftySubscribersAndDecode() async throws {
        let stream = try Self.encodedStream()
        #expect(stream.video.count == Self.videoFrames)
        let server = try await RunningServer.start { $0.heartbeatSeconds = 30 }
        // 5 classrooms × (8 device students + classroom screen + local teacher) = 50; the observer joins late.
        let lesson = try await LessonFixture.make(on: server, classrooms: 5, students: 8)
        let early = lesson.roles.keys.filter { $0 != "t-hub" && $0 != "obs" }.sorted()
        #expect(early.count == 50)
        let decoderID = early[0]
        var sockets: [TestSocket] = []
        for id in early {
            sockets.append(try await TestSocket.connect(lesson.url(server, id), keepMedia: id == decoderID))
        }
        for socket in sockets { _ = try await socket.next("welcome") }
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")

        // Merge audio and video into one paced schedule; the late joiner connects at 1.5 s (mid group:
        // keyframes are at frames 0, 40, 80, so it must start at frame 40's keyframe).
        let schedule = (stream.video + stream.audio).enumerated()
            .sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
        let clock = ContinuousClock()
        let start = clock.now
        var late: TestSocket?
        var lateJoinedAtFrame = 0
        var sentVideo = 0
        for (offset, frame) in schedule {
            try await Task.sleep(until: start + .milliseconds(offset), clock: clock)
            if late == nil, offset >= 1_500 {
                let socket = try await TestSocket.connect(lesson.url(server, "obs"))
                _ = try await socket.next("welcome")
                late = socket
                lateJoinedAtFrame = sentVideo
            }
            if (try? MediaHeader.parse(frame))?.kind == .video { sentVideo += 1 }
            try await hub.send(binary: frame)
        }
        let lateSocket = try #require(late)
        let total = stream.video.count + stream.audio.count

        // Every early subscriber gets every frame.
        let deadline = clock.now + .seconds(20)
        while clock.now < deadline, sockets.contains(where: { $0.mediaSequences.count < total }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let counts = sockets.map(\.mediaSequences.count)
        #expect(counts.allSatisfy { $0 == total }, "received min \(counts.min() ?? 0) max \(counts.max() ?? 0) of \(total)")
        #expect(hub.binaryFrames.isEmpty, "the publisher does not get its own media back")

        // One subscriber decodes everything it got, and the picture is the one that was sent, frame by frame.
        let pattern = TestPattern(width: Self.width, height: Self.height, noise: 8)
        let decoded = try Self.decodeAll(sockets[0].binaryFrames, pattern: pattern)
        #expect(decoded.videoCounters == Array(0..<Self.videoFrames))
        #expect(decoded.videoSequences.map(Int.init) == decoded.videoCounters)
        #expect(decoded.audioSequences == (0..<UInt32(Self.audioFrames)).map { $0 })
        #expect(decoded.audioSamples == Self.audioFrames * OpusEncoder.samplesPerChannel)

        // The late joiner decodes from its first frame: the cached group of pictures, keyframe first.
        let expectedLateVideo = Self.videoFrames - (lateJoinedAtFrame / Self.keyframeInterval) * Self.keyframeInterval
        let lateDeadline = clock.now + .seconds(10)
        while clock.now < lateDeadline, lateSocket.binaryFrames.filter({ (try? MediaHeader.parse($0))?.kind == .video }).count < expectedLateVideo {
            try await Task.sleep(for: .milliseconds(50))
        }
        let lateDecoded = try Self.decodeAll(lateSocket.binaryFrames, pattern: pattern)
        let groupStart = (lateJoinedAtFrame / Self.keyframeInterval) * Self.keyframeInterval
        #expect(lateJoinedAtFrame > groupStart, "the joiner should land mid group (joined at frame \(lateJoinedAtFrame))")
        #expect(lateDecoded.firstVideoFlags.contains(.keyframe))
        #expect(lateDecoded.videoCounters == Array(groupStart..<Self.videoFrames))
        #expect(!lateDecoded.audioSequences.isEmpty)

        for socket in sockets { await socket.close() }
        await lateSocket.close()
        await hub.close()
        try await server.stop()
    }
}
