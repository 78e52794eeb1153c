import NIOCore
import Testing
import TirekCore
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// The per-subscriber drop policy (`SubscriberQueue`, `Outbound`) and the fan-out's group-of-pictures
/// cache and keyframe requests (`MediaFanout`), without sockets: time is passed in explicitly.
@Suite struct MediaQueueTests {
    static let ms: UInt64 = 1_000_000

    static func frame(_ track: MediaTrack, _ sequence: UInt32, key: Bool = false, size: Int = 100) -> (ByteBuffer, MediaHeader) {
        let buffer = MediaFrames.frame(track: track, sequence: sequence, keyframe: key, size: size)
        return (buffer, try! MediaHeader.parse(buffer))
    }

    /// Pushes a frame; returns the outcome.
    @discardableResult
    static func push(_ q: inout SubscriberQueue, _ track: MediaTrack, _ sequence: UInt32, key: Bool = false,
                     size: Int = 100, at millis: UInt64, receivedAt received: UInt64? = nil) -> SubscriberQueue.MediaOutcome {
        let (buffer, header) = frame(track, sequence, key: key, size: size)
        return q.pushMedia(WireFrame(binary: buffer), header: header, now: millis * ms, receivedAt: received.map { $0 * ms })
    }

    static func control(_ q: inout SubscriberQueue, _ text: String) -> Bool {
        q.pushControl(WireFrame(text: ByteBuffer(string: text)))
    }

    /// Drains the queue: (track, sequence, flags) of each media frame, and the control messages as text.
    static func drain(_ q: inout SubscriberQueue) -> (media: [(MediaTrack, UInt32, MediaHeader.Flags)], control: [String]) {
        var out: [WireFrame] = []
        q.popAll(into: &out)
        var media: [(MediaTrack, UInt32, MediaHeader.Flags)] = []
        var control: [String] = []
        for buffer in out.map(\.payload) {
            if let header = try? MediaHeader.parse(buffer) {
                media.append((header.track, header.sequence, header.flags))
            } else {
                control.append(String(buffer: buffer))
            }
        }
        return (media, control)
    }

    // MARK: Audio

    /// A frame's age counts from when the server received it: one that reaches its connection's
    /// queue late (its event loop was behind) and is already past its budget is dropped, and video
    /// then waits for the next keyframe, as if it had waited in the queue.
    @Test func framesAlreadyStaleWhenQueuedAreDropped() {
        var q = SubscriberQueue()
        #expect(Self.push(&q, .camera, 1, key: true, at: 10, receivedAt: 0) == .queued)
        #expect(Self.push(&q, .camera, 2, at: 450, receivedAt: 33) == .dropped, "417 ms old: past the video budget")
        #expect(q.awaitingKeyframe.contains(.camera))
        #expect(Self.push(&q, .camera, 3, at: 460, receivedAt: 450) == .dropped, "a fresh delta still waits for a keyframe")
        #expect(Self.push(&q, .camera, 4, key: true, at: 500, receivedAt: 490) == .queued)
        #expect(Self.push(&q, .audio, 1, at: 510, receivedAt: 300) == .dropped, "210 ms old: past the audio budget")
        #expect(Self.push(&q, .audio, 2, at: 510, receivedAt: 320) == .queued, "190 ms old")
        let drained = Self.drain(&q)
        #expect(drained.media.map { "\($0.0)\($0.1)" } == ["camera4", "audio2"], "the queued keyframe went with the stale frame")
        #expect(drained.media.first?.2 == [.keyframe, .discontinuity])
        #expect(q.stats.videoDropped == 3 && q.stats.audioDropped == 1)
    }

    @Test func staleAudioIsDroppedFromTheFrontAfter200ms() {
        var q = SubscriberQueue()
        #expect(q.budget.audioNanos == 200 * Self.ms)
        Self.push(&q, .audio, 1, at: 0)
        Self.push(&q, .audio, 2, at: 100)
        Self.push(&q, .audio, 3, at: 200) // frame 1 is exactly 200 ms old: not yet stale
        #expect(q.stats.audioDropped == 0)
        Self.push(&q, .audio, 4, at: 201) // frame 1 is now 201 ms old
        #expect(q.stats.audioDropped == 1)
        Self.push(&q, .audio, 5, at: 350) // frame 2 (250 ms) goes; frame 3 (150 ms) stays
        #expect(q.stats.audioDropped == 2)
        let drained = Self.drain(&q)
        #expect(drained.media.map(\.1) == [3, 4, 5])
        #expect(drained.media.allSatisfy { $0.2.isEmpty }, "no flag marks dropped audio")
        #expect(q.isEmpty && q.mediaBytes == 0)
    }

    @Test func audioIsKeptWhenVideoIsDropped() {
        var q = SubscriberQueue()
        Self.push(&q, .camera, 1, key: true, at: 0)
        Self.push(&q, .audio, 1, at: 300)
        Self.push(&q, .camera, 2, at: 301)
        Self.push(&q, .audio, 2, at: 400)
        Self.push(&q, .camera, 3, at: 450) // oldest video is 450 ms old: video goes, audio stays
        #expect(q.stats.videoDropped == 3)
        #expect(q.stats.audioDropped == 0)
        let drained = Self.drain(&q)
        #expect(drained.media.map(\.0) == [.audio, .audio])
    }

    // MARK: Video

    @Test func videoOverflowDropsToTheNextKeyframeWithADiscontinuity() {
        var q = SubscriberQueue()
        #expect(q.budget.videoNanos == 400 * Self.ms)
        #expect(Self.push(&q, .camera, 1, key: true, at: 0) == .queued)
        #expect(Self.push(&q, .camera, 2, at: 100) == .queued)
        #expect(Self.push(&q, .camera, 3, at: 200) == .queued)
        #expect(Self.push(&q, .camera, 4, at: 400) == .queued) // oldest is exactly 400 ms: still within budget
        #expect(q.awaitingKeyframe.isEmpty)
        // Frame 5 finds the oldest queued video 401 ms old: the subscriber is behind.
        #expect(Self.push(&q, .camera, 5, at: 401) == .dropped)
        #expect(q.awaitingKeyframe == [.camera])
        #expect(q.stats.videoDropped == 5, "4 queued frames plus the arriving delta")
        #expect(q.stats.keyframeWaits == 1)
        #expect(q.mediaBytes == 0)
        // Delta frames are dropped while the track waits, however fresh.
        #expect(Self.push(&q, .camera, 6, at: 420) == .dropped)
        #expect(Self.push(&q, .camera, 7, at: 440) == .dropped)
        #expect(q.stats.videoDropped == 7)
        // The next keyframe ends the wait and carries the discontinuity flag; deltas after it flow.
        #expect(Self.push(&q, .camera, 8, key: true, at: 460) == .queued)
        #expect(Self.push(&q, .camera, 9, at: 480) == .queued)
        #expect(q.awaitingKeyframe.isEmpty)
        let drained = Self.drain(&q)
        #expect(drained.media.map(\.1) == [8, 9])
        #expect(drained.media[0].2 == [.keyframe, .discontinuity])
        #expect(drained.media[1].2 == [])
    }

    @Test func overflowOfOneVideoTrackMakesEveryQueuedVideoTrackWait() {
        var q = SubscriberQueue()
        Self.push(&q, .screen, 1, key: true, at: 0)
        Self.push(&q, .camera, 1, key: true, at: 100)
        Self.push(&q, .camera, 2, at: 450)
        #expect(q.awaitingKeyframe == [.camera, .screen])
        #expect(Self.push(&q, .screen, 2, at: 460) == .dropped)
        #expect(Self.push(&q, .screen, 3, key: true, at: 470) == .queued)
        #expect(q.awaitingKeyframe == [.camera])
    }

    @Test func byteCapDropsVideoToTheNextKeyframeAndRefusesAudio() {
        var budget = SubscriberQueue.Budget()
        budget.maxMediaBytes = 10_000
        var q = SubscriberQueue(budget: budget)
        // 3 × (4 + 16 + 3000) = 9060 bytes queued (frame header, envelope, payload), all fresh.
        Self.push(&q, .camera, 1, key: true, size: 3_000, at: 0)
        Self.push(&q, .camera, 2, size: 3_000, at: 1)
        Self.push(&q, .camera, 3, size: 3_000, at: 2)
        #expect(q.mediaBytes == 9_060)
        // Audio that would pass the cap is refused; nothing else changes.
        #expect(Self.push(&q, .audio, 1, size: 1_000, at: 3) == .dropped)
        #expect(q.stats.audioDropped == 1)
        #expect(Self.push(&q, .audio, 2, size: 500, at: 3) == .queued)
        // A video frame that would pass the cap drops the queued video, though none is stale.
        #expect(Self.push(&q, .camera, 4, size: 3_000, at: 4) == .dropped)
        #expect(q.stats.videoDropped == 4)
        #expect(q.awaitingKeyframe == [.camera])
        #expect(q.mediaBytes == 520, "only the small audio frame is left")
        #expect(Self.push(&q, .camera, 5, key: true, size: 3_000, at: 5) == .queued)
        let drained = Self.drain(&q)
        #expect(drained.media.map(\.0) == [.audio, .camera])
        #expect(drained.media[1].2.contains(.discontinuity))
    }

    @Test func videoAgeCountsFromTheOldestVideoStillQueued() {
        var q = SubscriberQueue()
        Self.push(&q, .camera, 1, key: true, at: 0)
        #expect(Self.drain(&q).media.count == 1)
        // Audio ahead of the video ages out on its own; the video's age counts from 300, when the
        // first video frame since the drain was queued, not from the drained frame's 0.
        Self.push(&q, .audio, 1, at: 250)
        Self.push(&q, .camera, 2, at: 300)
        #expect(Self.push(&q, .camera, 3, at: 700) == .queued, "the oldest queued video is exactly 400 ms old")
        #expect(q.stats.audioDropped == 1 && q.awaitingKeyframe.isEmpty)
        #expect(Self.push(&q, .camera, 4, at: 701) == .dropped)
        #expect(q.awaitingKeyframe == [.camera])
        // After the drop the wait ends at a keyframe, and the age counts from that keyframe.
        #expect(Self.push(&q, .camera, 5, key: true, at: 1_000) == .queued)
        #expect(Self.push(&q, .camera, 6, at: 1_400) == .queued)
        #expect(Self.drain(&q).media.map(\.1) == [5, 6])
    }

    @Test func trackSetsAreBitSetsWithSetSemantics() {
        var set: MediaTrackSet = []
        #expect(set.isEmpty)
        #expect(set.insert(.screen) && !set.insert(.screen), "the second insert finds it there")
        set.insert(.camera)
        #expect(Array(set) == [.camera, .screen], "in track order")
        #expect(set.contains(.camera) && !set.contains(.cameraLow))
        #expect(set.remove(.camera) && !set.remove(.camera))
        set.formUnion([.cameraLow, .audio])
        #expect(set == [.audio, .screen, .cameraLow])
        #expect(set.description == "[audio, screen, camera_low]")
    }

    @Test func lagIsTheAgeOfTheOldestQueuedMedia() {
        var q = SubscriberQueue()
        #expect(q.lag(now: 1_000 * Self.ms) == 0)
        Self.push(&q, .audio, 1, at: 10)
        Self.push(&q, .camera, 1, key: true, at: 20)
        #expect(q.lag(now: 110 * Self.ms) == 100 * Self.ms)
    }

    // MARK: Control

    @Test func controlIsNeverDroppedAndGoesFirst() {
        var budget = SubscriberQueue.Budget()
        budget.maxMediaBytes = 1_000
        var q = SubscriberQueue(budget: budget)
        Self.push(&q, .camera, 1, key: true, size: 900, at: 0)
        #expect(Self.control(&q, #"{"type":"a"}"#))
        // Media overflows and ages out; control is untouched by either.
        Self.push(&q, .camera, 2, size: 900, at: 1_000)
        Self.push(&q, .audio, 1, size: 2_000, at: 1_000)
        #expect(Self.control(&q, #"{"type":"b"}"#))
        Self.push(&q, .audio, 2, size: 10, at: 1_001)
        let drained = Self.drain(&q)
        #expect(drained.control == [#"{"type":"a"}"#, #"{"type":"b"}"#])
        #expect(drained.media.map(\.0) == [.audio])
    }

    @Test func controlOverflowIsReportedNotDropped() {
        var budget = SubscriberQueue.Budget()
        budget.maxControlMessages = 3
        var q = SubscriberQueue(budget: budget)
        for i in 0..<3 { #expect(Self.control(&q, "{\"n\":\(i)}")) }
        #expect(!Self.control(&q, #"{"n":3}"#), "the fourth is refused, so the caller closes the connection")
        #expect(Self.drain(&q).control == [#"{"n":0}"#, #"{"n":1}"#, #"{"n":2}"#], "what was queued is kept, in order")
        #expect(Self.control(&q, #"{"n":4}"#), "room again once drained")
    }

    @Test func outboundReportsControlOverflowAndRefusesAfterClose() async {
        var budget = SubscriberQueue.Budget()
        budget.maxControlMessages = 2
        let outbound = Outbound(budget: budget)
        #expect(outbound.sendControl(ByteBuffer(string: "{}")))
        #expect(outbound.sendControl(ByteBuffer(string: "{}")))
        #expect(!outbound.sendControl(ByteBuffer(string: "{}")))
        outbound.close(code: 1008, reason: "too slow")
        #expect(!outbound.sendControl(ByteBuffer(string: "{}")))
        let (buffer, header) = Self.frame(.audio, 1)
        #expect(outbound.sendMedia(WireFrame(binary: buffer), header: header, now: 0).0 == .dropped)
        var batch: [ByteBuffer] = []
        #expect(await outbound.next(into: &batch), "what was queued before the close still drains")
        #expect(batch.count == 2)
        #expect(await outbound.next(into: &batch) == false)
        #expect(outbound.closeRequest?.code == 1008)
    }

    // MARK: Fan-out: GOP cache and keyframe requests

    static func connection(_ id: String, role: Role = .student) -> LiveConnection {
        let claims = JoinClaims(tokenID: "t-\(id)", lessonID: "L1", participantID: ParticipantID(id), role: role,
                                classroomID: nil, displayName: id, issuedAt: 0, expires: .max)
        return LiveConnection(id: LiveConnection.nextID(), claims: claims, openedAt: Instant(millis: 0), budget: .init())
    }

    /// Whatever is queued on `connection` now (non-blocking: only called when something is queued).
    static func queued(_ connection: LiveConnection) async -> (media: [(MediaTrack, UInt32, MediaHeader.Flags)], control: [String]) {
        var batch: [ByteBuffer] = []
        connection.outbound.close()
        _ = await connection.outbound.next(into: &batch)
        var media: [(MediaTrack, UInt32, MediaHeader.Flags)] = []
        var control: [String] = []
        for buffer in batch {
            if let header = try? MediaHeader.parse(buffer) { media.append((header.track, header.sequence, header.flags)) } else { control.append(String(buffer: buffer)) }
        }
        return (media, control)
    }

    static func publish(_ fanout: MediaFanout, _ track: MediaTrack, _ sequence: UInt32, key: Bool = false,
                        from sender: ParticipantID = "t-hub", at millis: UInt64) -> MediaFanout.PublishResult {
        let (buffer, header) = frame(track, sequence, key: key)
        return fanout.publish(buffer, header: header, from: sender, now: millis * ms)
    }

    @Test func joinerGetsTheGroupOfPicturesFromTheLatestKeyframe() async {
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        fanout.setPublisher("t-hub", for: .audio)
        _ = Self.publish(fanout, .camera, 1, at: 0) // a delta before any keyframe: not cached
        _ = Self.publish(fanout, .camera, 2, key: true, at: 33)
        _ = Self.publish(fanout, .camera, 3, at: 66)
        _ = Self.publish(fanout, .audio, 1, at: 70) // audio is not cached
        _ = Self.publish(fanout, .camera, 4, key: true, at: 100) // a new keyframe restarts the group
        _ = Self.publish(fanout, .camera, 5, at: 133)
        _ = Self.publish(fanout, .camera, 6, at: 166)
        let joiner = Self.connection("s1")
        fanout.subscribe(joiner, now: 170 * Self.ms)
        #expect(Self.publish(fanout, .camera, 7, at: 200) == .delivered(queued: 1, dropped: 0))
        let got = await Self.queued(joiner)
        #expect(got.media.map(\.1) == [4, 5, 6, 7])
        #expect(got.media.allSatisfy { $0.0 == .camera })
        #expect(got.media[0].2 == [.keyframe], "a cached keyframe is not a discontinuity")
        #expect(got.control.isEmpty, "no keyframe request: the cache served the joiner")
    }

    @Test func aWaveOfJoinersWaitingForTheSameKeyframeSharesOneMarkedCopy() async throws {
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        let joiners = (0..<50).map { Self.connection("s\($0)") }
        for joiner in joiners { fanout.subscribe(joiner, now: 0) } // nothing cached: all wait
        #expect(Self.publish(fanout, .camera, 1, key: true, at: 33) == .delivered(queued: 50, dropped: 0))
        var addresses: Set<Int> = []
        for joiner in joiners {
            var batch: [ByteBuffer] = []
            joiner.outbound.close()
            _ = await joiner.outbound.next(into: &batch)
            #expect(try MediaHeader.parse(batch[0]).flags == [.keyframe, .discontinuity])
            addresses.insert(batch[0].withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) })
        }
        #expect(addresses.count == 1, "one marked copy for all 50, not one each")
        // The cached group keeps the frame as published, unmarked, for later joiners.
        let late = Self.connection("late")
        fanout.subscribe(late, now: 40 * Self.ms)
        #expect(await Self.queued(late).media.map(\.2) == [[.keyframe]])
    }

    @Test func joinerWithoutACachedKeyframeWaitsForOneAndThePublisherIsAsked() async {
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        let hub = Self.connection("t-hub", role: .hubTeacher)
        fanout.subscribe(hub, now: 0)
        _ = Self.publish(fanout, .camera, 1, at: 0) // deltas only: nothing to cache
        let joiner = Self.connection("s1")
        fanout.subscribe(joiner, now: 10 * Self.ms)
        #expect(Self.publish(fanout, .camera, 2, at: 33) == .delivered(queued: 0, dropped: 1))
        #expect(Self.publish(fanout, .camera, 3, at: 66) == .delivered(queued: 0, dropped: 1))
        #expect(Self.publish(fanout, .camera, 4, key: true, at: 100) == .delivered(queued: 1, dropped: 0))
        #expect(Self.publish(fanout, .camera, 5, at: 133) == .delivered(queued: 1, dropped: 0))
        let got = await Self.queued(joiner)
        #expect(got.media.map(\.1) == [4, 5])
        #expect(got.media[0].2 == [.keyframe, .discontinuity])
        // The publisher was asked once for a keyframe (requests are rate-limited to one a second per track).
        let hubGot = await Self.queued(hub)
        #expect(hubGot.media.isEmpty, "a publisher does not get its own frames back")
        #expect(hubGot.control == [#"{"track":"camera","type":"media.keyframe_needed"}"#] ||
                hubGot.control.count == 1 && hubGot.control[0].contains("media.keyframe_needed"))
    }

    @Test func aSenderGetsNothingBackOnAnyOfItsConnectionsAndEachIsAskedForKeyframes() async {
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        let (hubLaptop, hubPhone, student) = (Self.connection("t-hub", role: .hubTeacher), Self.connection("t-hub", role: .hubTeacher),
                                              Self.connection("s1"))
        for c in [hubLaptop, hubPhone, student] { fanout.subscribe(c, now: 0) }
        #expect(Self.publish(fanout, .camera, 1, at: 0) == .delivered(queued: 0, dropped: 1), "only the student; it waits")
        #expect(Self.publish(fanout, .camera, 2, key: true, at: 33) == .delivered(queued: 1, dropped: 0))
        for hub in [hubLaptop, hubPhone] {
            let got = await Self.queued(hub)
            #expect(got.media.isEmpty)
            #expect(got.control.count == 1 && got.control[0].contains("media.keyframe_needed"))
        }
        #expect(await Self.queued(student).media.map(\.1) == [2])
        // The teacher's phone leaves and a tablet joins: it gets nothing of its own back either.
        fanout.unsubscribe(hubPhone)
        fanout.unsubscribe(student) // drained above (closed)
        let hubTablet = Self.connection("t-hub", role: .hubTeacher)
        fanout.subscribe(hubTablet, now: 0)
        fanout.subscribe(Self.connection("s2"), now: 0)
        #expect(await Self.queued(hubTablet).media.isEmpty, "the cached group is not replayed to its own publisher")
        let third = Self.connection("s3")
        fanout.subscribe(third, now: 0)
        #expect(Self.publish(fanout, .camera, 3, key: true, at: 66) == .delivered(queued: 2, dropped: 0), "s2 and s3 only")
        #expect(await Self.queued(third).media.map(\.1) == [2, 3], "the cached group, then the new keyframe")
    }

    @Test func keyframeRequestsAreRateLimitedPerTrack() async {
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        fanout.setPublisher("t-hub", for: .screen)
        let hub = Self.connection("t-hub", role: .hubTeacher)
        fanout.subscribe(hub, now: 0)
        fanout.requestKeyframe(.camera, now: 0)
        fanout.requestKeyframe(.camera, now: 500 * Self.ms)
        fanout.requestKeyframe(.screen, now: 500 * Self.ms)
        fanout.requestKeyframe(.camera, now: 999 * Self.ms)
        fanout.requestKeyframe(.camera, now: 1_000 * Self.ms)
        // Another event loop whose clock read came just before the last request: still limited.
        fanout.requestKeyframe(.camera, now: 1_000 * Self.ms - 1)
        let control = await Self.queued(hub).control
        #expect(control.filter { $0.contains(#""camera""#) }.count == 2)
        #expect(control.filter { $0.contains(#""screen""#) }.count == 1)
    }

    @Test func gopCacheIsBoundedAndClearedWhenThePublisherChanges() async {
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        _ = Self.publish(fanout, .camera, 1, key: true, at: 0)
        for s in 2...UInt32(MediaFanout.maxCachedFrames + 1) { _ = Self.publish(fanout, .camera, s, at: 0) }
        // The group reached its bound: a joiner now waits for the next keyframe instead of getting 300+ frames.
        let late = Self.connection("s1")
        fanout.subscribe(late, now: 0)
        _ = Self.publish(fanout, .camera, 1_000, at: 1)
        #expect(await Self.queued(late).media.isEmpty)

        _ = Self.publish(fanout, .camera, 1_001, key: true, at: 2)
        fanout.setPublisher("t-other", for: .camera)
        let joiner = Self.connection("s2")
        fanout.subscribe(joiner, now: 3 * Self.ms)
        #expect(Self.publish(fanout, .camera, 1_002, at: 4) == .forbidden("you do not hold the camera track now"))
        #expect(await Self.queued(joiner).media.isEmpty, "the previous publisher's group is not replayed")
    }

    @Test func preferencesFilterTracks() async {
        let fanout = MediaFanout(metrics: ServerMetrics())
        fanout.setPublisher("t-hub", for: .camera)
        fanout.setPublisher("t-hub", for: .audio)
        let audioOnly = Self.connection("s1")
        audioOnly.mediaPreferences = MediaPreferences(audioOnly: true, lowBandwidth: false)
        fanout.subscribe(audioOnly, now: 0)
        _ = Self.publish(fanout, .camera, 1, key: true, at: 0)
        _ = Self.publish(fanout, .audio, 1, at: 1)
        #expect(await Self.queued(audioOnly).media.map(\.0) == [.audio])
    }
}
