import Foundation
import NIOCore
import Testing
import TirekCore
import TirekMedia
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// The server's low-bandwidth camera rendition: its input policy (`RenditionQueue`, `KeyframePacer`)
/// as pure values, the transcoder on real VP8, and the whole rendition inside a real `MediaFanout`.
@Suite struct RenditionTests {
    static let ms: UInt64 = 1_000_000
    static let width = 320, height = 240

    /// `count` camera frames of the test pattern, real VP8, keyframes exactly at `keyframes`.
    static func camera(count: Int, keyframes: Set<Int>, width: Int = width, height: Int = height,
                       noise: Int = 8) throws -> [(ByteBuffer, MediaHeader)] {
        let pattern = TestPattern(width: width, height: height, noise: noise)
        let encoder = try VP8Encoder(width: width, height: height, bitrateKbps: 500, framesPerSecond: 30, keyframeInterval: 0)
        var frames: [(ByteBuffer, MediaHeader)] = []
        for i in 0..<count {
            for chunk in try encoder.encode(pattern.frame(i), frameIndex: i, forceKeyframe: keyframes.contains(i)) {
                let header = MediaHeader(track: .camera, flags: chunk.isKeyframe ? .keyframe : [], sequence: UInt32(i),
                                         timestamp: UInt64(chunk.timestampMicros))
                frames.append((header.frame(payload: chunk.bytes), header))
            }
        }
        return frames
    }

    static func fake(_ sequence: UInt32, key: Bool = false) -> (ByteBuffer, MediaHeader) {
        let header = MediaHeader(track: .camera, flags: key ? .keyframe : [], sequence: sequence, timestamp: UInt64(sequence) * 33_333)
        return (header.frame(payload: [UInt8](repeating: 1, count: 8)), header)
    }

    // MARK: Input policy

    @Test func inputWaitsForASourceKeyframeAndIsIgnoredWhileStopped() {
        var q = RenditionQueue(capacity: 4)
        let (f1, h1) = Self.fake(1)
        #expect(q.offer(f1, header: h1) == .init(), "stopped: ignored, not counted")
        #expect(q.stats.dropped == 0)

        let started = q.start(primer: [])
        #expect(started.needsSourceKeyframe && !started.wake, "no cached group: ask the publisher")
        let (f2, h2) = Self.fake(2)
        #expect(q.offer(f2, header: h2) == .init(queued: false, dropped: 1))
        let (f3, h3) = Self.fake(3, key: true)
        #expect(q.offer(f3, header: h3) == .init(queued: true, dropped: 0, wake: true))
        let (f4, h4) = Self.fake(4)
        #expect(q.offer(f4, header: h4) == .init(queued: true, dropped: 0, wake: false), "already scheduled")
        let batch = q.take()
        #expect(batch?.items.map(\.header.sequence) == [3, 4])
        #expect(batch?.items.allSatisfy(\.encode) == true)
        #expect(q.take() == nil && !q.scheduled, "the worker run ends when nothing waits")
    }

    @Test func primerIsDecodedAndOnlyItsNewestFrameEncoded() {
        var q = RenditionQueue(capacity: 2)
        let primer = [Self.fake(10, key: true), Self.fake(11), Self.fake(12), Self.fake(13)]
        let started = q.start(primer: primer)
        #expect(started.wake && !started.needsSourceKeyframe)
        // The primer counts as one frame to encode, so live frames still fit.
        let (f, h) = Self.fake(14)
        #expect(q.offer(f, header: h).queued)
        let batch = q.take()
        #expect(batch?.items.map(\.header.sequence) == [10, 11, 12, 13, 14])
        #expect(batch?.items.map(\.encode) == [false, false, false, true, true])
        // A cached group that does not start at a keyframe is useless.
        var q2 = RenditionQueue(capacity: 2)
        #expect(q2.start(primer: [Self.fake(11), Self.fake(12)]).needsSourceKeyframe)
    }

    @Test func fallingBehindDropsUpToTheNextSourceKeyframe() {
        var q = RenditionQueue(capacity: 3)
        _ = q.start(primer: [])
        for s in [UInt32(1)] { let (f, h) = Self.fake(s, key: true); _ = q.offer(f, header: h) }
        for s in UInt32(2)...3 { let (f, h) = Self.fake(s); #expect(q.offer(f, header: h).queued) }
        // A fourth frame while three wait: it is dropped, and input waits for a keyframe; what waits stays.
        let (f4, h4) = Self.fake(4)
        #expect(q.offer(f4, header: h4) == .init(queued: false, dropped: 1, wake: false, needsSourceKeyframe: true))
        #expect(q.items.map(\.header.sequence) == [1, 2, 3])
        let (f5, h5) = Self.fake(5)
        #expect(q.offer(f5, header: h5) == .init(queued: false, dropped: 1))
        // The keyframe finds the queue still full: it replaces what waits.
        let (f6, h6) = Self.fake(6, key: true)
        #expect(q.offer(f6, header: h6) == .init(queued: true, dropped: 3, wake: false))
        for s in UInt32(7)...8 { let (f, h) = Self.fake(s); _ = q.offer(f, header: h) }
        // Behind again, but the frame that overflows is a keyframe: restart right there.
        let (f9, h9) = Self.fake(9, key: true)
        #expect(q.offer(f9, header: h9) == .init(queued: true, dropped: 3, wake: false))
        #expect(q.take()?.items.map(\.header.sequence) == [9])
        #expect(q.stats.dropped == 8)
        #expect(q.stats.accepted == 7)
    }

    @Test func stopDiscardsAndStartsANewGeneration() {
        var q = RenditionQueue(capacity: 4)
        _ = q.start(primer: [Self.fake(1, key: true)])
        let generation = q.generation
        q.requestKeyframe()
        #expect(q.stop() == false, "the worker is already scheduled; it frees the codecs when it finds the queue empty")
        #expect(!q.isActive && q.items.isEmpty && q.generation != generation && !q.keyframeRequested)
        #expect(q.take() == nil)
        #expect(q.stop() == false, "stopping twice does nothing")
        _ = q.start(primer: [])
        #expect(q.isActive && q.awaitingKeyframe)
        q.requestKeyframe()
        #expect(q.keyframeRequested)
    }

    @Test func keyframePacerDefersRequestsWithinTheIntervalInsteadOfLosingThem() {
        var pacer = KeyframePacer(interval: 1_000 * Self.ms)
        pacer.encoderStarted(now: 0)
        var forced: [Bool] = []
        forced.append(pacer.shouldForce(now: 10 * Self.ms)) // nothing asked
        pacer.request()
        forced.append(pacer.shouldForce(now: 500 * Self.ms)) // the encoder's first keyframe was 0.5 s ago
        forced.append(pacer.shouldForce(now: 999 * Self.ms))
        forced.append(pacer.shouldForce(now: 1_000 * Self.ms)) // deferred, not lost
        forced.append(pacer.shouldForce(now: 1_033 * Self.ms))
        pacer.reset()
        pacer.request()
        forced.append(pacer.shouldForce(now: 1_100 * Self.ms)) // after a reset nothing was forced recently
        #expect(forced == [false, false, false, true, false, true])
    }

    @Test(arguments: [
        (1280, 720, 320, 180), (1920, 1080, 320, 180), (640, 360, 320, 180), (320, 240, 240, 180),
        (640, 480, 240, 180), (800, 600, 240, 180), (100, 75, 100, 74), (180, 320, 100, 180),
    ])
    func outputKeepsTheAspectWithinTheBoundAndEvenDimensions(size: (Int, Int, Int, Int)) {
        let out = RenditionTranscoder.outputSize(width: size.0, height: size.1, maxWidth: 320, maxHeight: 180)
        #expect(out.width == size.2 && out.height == size.3)
    }

    // MARK: Transcoder on real VP8

    @Test func transcoderTurnsCameraVP8IntoSmallerDecodableVP8() throws {
        let settings = LowBandwidthRendition.Settings()
        let transcoder = RenditionTranscoder(settings: settings)
        let source = try Self.camera(count: 60, keyframes: [0, 30])
        let small = TestPattern(width: 240, height: 180)
        let decoder = try VP8Decoder()
        var keyframes: [Int] = []
        var bytes = 0
        for (i, (frame, header)) in source.enumerated() {
            let payload = Array(frame.readableBytesView.dropFirst(MediaHeader.size))
            // 40 ms apart, so the source keyframe at 30 (1.2 s) is past the 1 s pacing interval.
            let chunks = try transcoder.transcode(payload, sourceTimestamp: header.timestamp, sourceKeyframe: header.isKeyframe,
                                                  encode: true, now: UInt64(i) * 40 * Self.ms)
            #expect(chunks.count == 1)
            for chunk in chunks {
                bytes += chunk.bytes.count
                if VP8FrameHeader(chunk.bytes)?.isKeyframe == true { keyframes.append(i) }
                let picture = try #require(try decoder.decode(chunk.bytes))
                #expect(picture.width == 240 && picture.height == 180)
                #expect(small.readFrameCounter(from: picture) == i, "frame \(i) shows another picture")
            }
        }
        #expect(keyframes == [0, 30], "output keyframes follow the source's")
        let kbps = Double(bytes * 8) / 2 / 1000
        #expect(kbps < 300, "about 150 kbit/s wanted, got \(kbps)")
        transcoder.release()
        #expect(transcoder.isReleased)
    }

    @Test func transcoderRefusesADeltaWithoutItsKeyframeAndRecoversAtTheNext() throws {
        let transcoder = RenditionTranscoder(settings: .init())
        let source = try Self.camera(count: 12, keyframes: [0, 8])
        func run(_ i: Int) throws(RenditionError) -> [EncodedChunk] {
            let (frame, header) = source[i]
            return try transcoder.transcode(Array(frame.readableBytesView.dropFirst(MediaHeader.size)), sourceTimestamp: header.timestamp,
                                            sourceKeyframe: header.isKeyframe, encode: true, now: UInt64(i) * 40 * Self.ms)
        }
        #expect(throws: RenditionError.self) { try run(3) }
        #expect(throws: RenditionError.self) { try run(4) }
        let chunks = try run(8)
        #expect(chunks.count == 1 && VP8FrameHeader(chunks[0].bytes)?.isKeyframe == true)
    }

    // MARK: The rendition inside a fan-out

    /// A subscriber whose queue is drained only at the end of a test, so its time budget is long.
    static func connection(_ id: String, role: Role = .student) -> LiveConnection {
        let claims = JoinClaims(tokenID: "t-\(id)", lessonID: "L1", participantID: ParticipantID(id), role: role,
                                classroomID: nil, displayName: id, issuedAt: 0, expires: .max)
        var budget = SubscriberQueue.Budget()
        budget.videoNanos = 60_000_000_000
        return LiveConnection(id: LiveConnection.nextID(), claims: claims, openedAt: Instant(millis: 0), budget: budget)
    }

    /// The media queued toward `connection` (drains its outbound queue without closing it).
    static func media(of connection: LiveConnection) async -> [(ByteBuffer, MediaHeader)] {
        var batch: [ByteBuffer] = []
        connection.outbound.close()
        _ = await connection.outbound.next(into: &batch)
        return batch.compactMap { b in (try? MediaHeader.parse(b)).map { (b, $0) } }
    }

    static func decodeLow(_ frames: [(ByteBuffer, MediaHeader)]) throws -> [Int] {
        let decoder = try VP8Decoder()
        let small = TestPattern(width: 240, height: 180)
        var counters: [Int] = []
        for (frame, header) in frames {
            guard let picture = try decoder.decode(Array(frame.readableBytesView.dropFirst(MediaHeader.size))) else {
                throw TestFailure("camera_low \(header.sequence) gave no picture")
            }
            guard picture.width == 240, picture.height == 180 else { throw TestFailure("camera_low is \(picture.width)x\(picture.height)") }
            guard let counter = small.readFrameCounter(from: picture) else { throw TestFailure("counter unreadable") }
            counters.append(counter)
        }
        return counters
    }

    @Test func runsOnlyWhileWantedStartsFromTheCachedGroupAndFreesItsCodecs() async throws {
        let metrics = ServerMetrics()
        let fanout = MediaFanout(metrics: metrics)
        fanout.setPublisher("t-hub", for: .camera)
        let plain = Self.connection("s2")
        fanout.subscribe(plain, now: 0)
        let source = try Self.camera(count: 40, keyframes: [0])
        for (frame, header) in source[0..<10] { _ = fanout.publish(frame, header: header, from: "t-hub", now: 0) }
        await fanout.rendition.idle()
        #expect(!fanout.rendition.isActive && fanout.rendition.stats.framesOut == 0, "nobody asked: nothing is transcoded")

        // Mid group: the rendition decodes the cached frames 0…9 and its first output is frame 9, a keyframe.
        let low = Self.connection("s1")
        low.mediaPreferences = MediaPreferences(lowBandwidth: true)
        fanout.subscribe(low, now: 0)
        low.outbound.requireKeyframe(.cameraLow)
        fanout.preferencesChanged(low, now: 0)
        #expect(fanout.renditionActive && fanout.rendition.isActive)
        for (frame, header) in source[10...] {
            _ = fanout.publish(frame, header: header, from: "t-hub", now: 0)
            await fanout.rendition.idle() // paced like a live camera: the worker keeps up
        }
        let got = await Self.media(of: low)
        #expect(got.allSatisfy { $0.1.track == .cameraLow }, "a low-bandwidth subscriber does not get the full camera")
        #expect(got.first?.1.isKeyframe == true)
        #expect(try Self.decodeLow(got) == Array(9..<40))
        #expect(got.map(\.1.timestamp) == source[9...].map(\.1.timestamp), "the source's timestamps")
        let plainGot = await Self.media(of: plain)
        #expect(plainGot.map(\.1.track).allSatisfy { $0 == .camera } && plainGot.count == 40)

        // The last one leaves: stopped, codecs freed, later camera frames are not transcoded.
        fanout.unsubscribe(low)
        #expect(!fanout.rendition.isActive)
        await fanout.rendition.idle()
        #expect(await fanout.rendition.codecsReleased())
        let before = fanout.rendition.stats.framesOut
        for (frame, header) in source[0..<3] { _ = fanout.publish(frame, header: header, from: "t-hub", now: 0) }
        await fanout.rendition.idle()
        #expect(fanout.rendition.stats.framesOut == before)
        let text = metrics.render()
        #expect(BroadcastTests.value(of: "tirek_renditions_active", in: text) == 0)
        #expect(BroadcastTests.value(of: "tirek_rendition_frames_total", in: text) == Double(before))
    }

    @Test func aBurstBeyondTheQueueIsDroppedToTheNextKeyframeAndOutputStillDecodes() async throws {
        var settings = LowBandwidthRendition.Settings()
        settings.queueCapacity = 3
        let fanout = MediaFanout(metrics: ServerMetrics(), rendition: settings)
        fanout.setPublisher("t-hub", for: .camera)
        let hub = Self.connection("t-hub", role: .hubTeacher)
        let low = Self.connection("s1")
        fanout.subscribe(hub, now: 0)
        low.mediaPreferences = MediaPreferences(lowBandwidth: true)
        fanout.subscribe(low, now: 0)
        low.outbound.requireKeyframe(.cameraLow)
        fanout.preferencesChanged(low, now: 0)
        // 60 frames at once: far faster than anyone can transcode them.
        let source = try Self.camera(count: 60, keyframes: [0, 20, 40])
        for (frame, header) in source { _ = fanout.publish(frame, header: header, from: "t-hub", now: 0) }
        await fanout.rendition.idle()
        let stats = fanout.rendition.stats
        #expect(stats.queue.dropped > 0, "the burst overflowed the queue")
        #expect(stats.transcodedFrames + stats.queue.dropped == 60, "each camera frame is transcoded or dropped")
        let got = await Self.media(of: low)
        let counters = try Self.decodeLow(got)
        #expect(got.first?.1.isKeyframe == true)
        #expect(counters.count == stats.framesOut && counters.count < 60)
        // Every decoded picture is the source frame of its timestamp: nothing in between was skipped silently.
        #expect(got.map { Int(($0.1.timestamp * 30 + 500_000) / 1_000_000) } == counters)
        // Each run of output begins where a source keyframe was.
        for (a, b) in zip(counters, counters.dropFirst()) where b != a + 1 {
            #expect([20, 40].contains(b), "resumed at \(b), not at a keyframe")
        }
        fanout.requestKeyframe(.cameraLow, now: 5_000 * Self.ms)
        let control = (await MediaQueueTests.queued(hub)).control
        #expect(control.contains { $0.contains(#""track":"camera""#) && $0.contains("keyframe_needed") },
                "the camera's publisher was asked for a keyframe")
        #expect(!control.contains { $0.contains("camera_low") }, "camera_low keyframes are the rendition's, never asked of a client")
    }
}
