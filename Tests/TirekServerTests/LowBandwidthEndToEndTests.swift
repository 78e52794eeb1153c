import Foundation
import NIOCore
import Testing
import TirekCore
import TirekMedia
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// The low-bandwidth rendition over real WebSockets: the hub teacher publishes real VP8 camera; a
/// student who asks for `low_bandwidth` gets `camera_low` (decodable, downscaled, the same pictures
/// at the same timestamps) and not `camera`; a plain student still gets `camera`; when the low
/// student leaves, the rendition stops.
@Suite struct LowBandwidthEndToEndTests {
    static let width = 320, height = 240, fps = 30
    static let frames = 90 // 3 s
    static let keyframeInterval = 40

    static func cameraStream() throws -> [ByteBuffer] {
        let pattern = TestPattern(width: width, height: height, noise: 8)
        let vp8 = try VP8Encoder(width: width, height: height, bitrateKbps: 500, framesPerSecond: fps, keyframeInterval: 0)
        var out: [ByteBuffer] = []
        for i in 0..<frames {
            for chunk in try vp8.encode(pattern.frame(i), frameIndex: i, forceKeyframe: i % keyframeInterval == 0) {
                let header = MediaHeader(track: .camera, flags: chunk.isKeyframe ? .keyframe : [], sequence: UInt32(i),
                                         timestamp: UInt64(chunk.timestampMicros))
                out.append(header.frame(payload: chunk.bytes))
            }
        }
        return out
    }

    static func videoHeaders(_ socket: TestSocket) -> [MediaHeader] {
        socket.binaryFrames.compactMap { try? MediaHeader.parse($0) }.filter { $0.kind == .video }
    }

    @Test func lowBandwidthStudentGetsADecodableDownscaledCameraOnlyWhileAsking() async throws {
        let stream = try Self.cameraStream()
        let server = try await RunningServer.start { $0.heartbeatSeconds = 30 }
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 2)
        let low = try await TestSocket.connect(lesson.url(server, "s1-0"))
        let plain = try await TestSocket.connect(lesson.url(server, "s1-1"))
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        for socket in [low, plain, hub] { _ = try await socket.next("welcome") }
        let room = try #require(await server.app.rooms.liveRoom(for: LessonID(lesson.lessonID)))
        let fanout = await room.fanout
        #expect(!fanout.renditionActive, "nobody asked yet")

        // The low student asks a third of a second into the stream (mid group: the rendition starts
        // from the camera's cached group of pictures).
        let clock = ContinuousClock()
        let start = clock.now
        var asked = false
        for (i, frame) in stream.enumerated() {
            try await Task.sleep(until: start + .milliseconds(i * 1000 / Self.fps), clock: clock)
            if i == 10 {
                try await low.send(#"{"type":"media.prefs","id":"p1","low_bandwidth":true}"#)
                _ = try await low.next("ack")
                asked = true
                #expect(fanout.renditionActive)
            }
            try await hub.send(binary: frame)
        }
        #expect(asked)

        // Everything published reaches the plain student; the low student gets camera_low up to the end.
        let lastTimestamp = try MediaHeader.parse(stream[stream.count - 1]).timestamp
        let deadline = clock.now + .seconds(20)
        while clock.now < deadline,
              Self.videoHeaders(plain).count < Self.frames || Self.videoHeaders(low).last(where: { $0.track == .cameraLow })?.timestamp != lastTimestamp {
            try await Task.sleep(for: .milliseconds(50))
        }
        let plainVideo = Self.videoHeaders(plain)
        #expect(plainVideo.count == Self.frames && plainVideo.allSatisfy { $0.track == .camera })

        let lowFrames = low.binaryFrames.filter { (try? MediaHeader.parse($0))?.kind == .video }
        let lowHeaders = lowFrames.map { try! MediaHeader.parse($0) }
        let firstLow = try #require(lowHeaders.firstIndex { $0.track == .cameraLow })
        // Camera frames that went out before the prefs took effect are allowed; none after.
        #expect(lowHeaders[firstLow...].allSatisfy { $0.track == .cameraLow }, "the full camera stops once camera_low is asked for")
        #expect(lowHeaders[firstLow].isKeyframe)
        let decoder = try VP8Decoder()
        let small = TestPattern(width: 240, height: 180)
        var counters: [Int] = []
        for (frame, header) in zip(lowFrames[firstLow...], lowHeaders[firstLow...]) {
            let payload = Array(frame.readableBytesView.dropFirst(MediaHeader.size))
            #expect(VP8FrameHeader(payload)?.isKeyframe == header.isKeyframe, "keyframe flag iff VP8 key frame")
            let picture = try #require(try decoder.decode(payload), "camera_low \(header.sequence) gave no picture")
            #expect(picture.width == 240 && picture.height == 180)
            let counter = try #require(small.readFrameCounter(from: picture))
            #expect(Int((header.timestamp * UInt64(Self.fps) + 500_000) / 1_000_000) == counter,
                    "camera_low at \(header.timestamp) µs shows frame \(counter)")
            counters.append(counter)
        }
        let stats = fanout.rendition.stats
        let first = try #require(counters.first)
        #expect(first <= 10, "the rendition started from the cached group (first picture \(first))")
        if stats.queue.dropped == 0 {
            #expect(counters == Array(first..<Self.frames), "every camera frame since the ask, in order")
        } else {
            // The machine was too busy to keep up: input resumed at a source keyframe after each drop.
            for (a, b) in zip(counters, counters.dropFirst()) where b != a + 1 {
                #expect(b > a && b % Self.keyframeInterval == 0, "resumed at \(b)")
            }
        }

        let kbps = Double(stats.bytesOut * 8) / (Double(counters.count) / Double(Self.fps)) / 1000
        let perFrame = Double(stats.transcodeNanos) / Double(max(1, stats.transcodedFrames)) / 1e6
        print("camera_low: \(stats.width)x\(stats.height), \(stats.framesOut) frames, \(stats.keyframesOut) keyframes, "
              + String(format: "%.0f kbit/s, %.2f ms per transcoded frame (debug build)", kbps, perFrame)
              + ", input dropped \(stats.queue.dropped)")
        #expect(stats.width == 240 && stats.height == 180)

        // The low student leaves: the rendition stops and frees its codecs; a returning plain camera is unaffected.
        await low.close()
        let stopDeadline = clock.now + .seconds(10)
        while clock.now < stopDeadline, fanout.renditionActive { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!fanout.renditionActive && !fanout.rendition.isActive)
        await fanout.rendition.idle()
        #expect(await fanout.rendition.codecsReleased())
        let metrics = server.app.metrics.render()
        #expect(BroadcastTests.value(of: "tirek_renditions_active", in: metrics) == 0)
        #expect(BroadcastTests.value(of: "tirek_rendition_frames_total", in: metrics) == Double(stats.framesOut))

        await plain.close()
        await hub.close()
        try await server.stop()
    }
}
