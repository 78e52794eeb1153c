import Dispatch
import Logging
import NIOCore
import Synchronization
import TirekCore
import TirekProtocol

/// Fans media frames from a track's publisher out to every subscriber of a lesson, without an
/// actor hop: the subscriber list is snapshotted under a lock and frames are queued outside it.
/// Each frame is encoded once as a WebSocket frame (`WireFrame`) and every subscriber's queue shares
/// those bytes (ByteBuffer is copy-on-write), so a broadcast costs no copies.
///
/// Keeps, per video track, the frames since the last keyframe (the group of pictures), so a new
/// or recovering subscriber starts at a keyframe and the picture appears at once.
///
/// While at least one subscriber wants `camera_low`, camera frames are also handed to the lesson's
/// `LowBandwidthRendition`, whose output comes back here and goes out like any published track.
@_spi(Benchmarks) public final class MediaFanout: Sendable, RenditionSink {
    public enum PublishResult: Equatable {
        case delivered(queued: Int, dropped: Int)
        case forbidden(String)
    }

    /// Bounds of the per-track group-of-pictures cache.
    static let maxCachedFrames = 300
    static let maxCachedBytes = 8 << 20
    /// At most one keyframe request per track per this many nanoseconds.
    static let keyframeRequestInterval: UInt64 = 1_000_000_000

    private struct GOP {
        var frames: [WireFrame] = []
        var bytes = 0
    }

    /// The subscribers that one event loop serves, with that loop's inbox (nil: queues drained by a
    /// task, in tests and micro-benchmarks, served in the publishing call itself).
    struct SubscriberGroup {
        let inbox: LoopInbox?
        var connections: [LiveConnection]
    }

    private struct Subscriber {
        let connection: LiveConnection
        let inbox: LoopInbox?
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:] {
            didSet { groups = Self.grouped(subscribers.values) }
        }
        /// `subscribers` by event loop, kept ready: a frame's fan-out takes it without copying.
        private(set) var groups: [SubscriberGroup] = []
        /// Each participant's subscribed connections: a frame skips its sender's by comparing
        /// connection numbers, not participant ids (strings), for every subscriber.
        var connectionsOf: [ParticipantID: [UInt64]] = [:]
        var publishers: [MediaTrack: ParticipantID] = [:]
        var gops: [MediaTrack: GOP] = [:]
        var lastKeyframeRequest: [MediaTrack: UInt64] = [:]
        /// Connections whose preferences ask for camera_low; the rendition runs while this is not empty.
        var renditionSubscribers: Set<UInt64> = []

        private static func grouped(_ subscribers: Dictionary<UInt64, Subscriber>.Values) -> [SubscriberGroup] {
            var groups: [SubscriberGroup] = []
            for subscriber in subscribers {
                if let i = groups.firstIndex(where: { $0.inbox === subscriber.inbox }) {
                    groups[i].connections.append(subscriber.connection)
                } else {
                    groups.append(SubscriberGroup(inbox: subscriber.inbox, connections: [subscriber.connection]))
                }
            }
            return groups
        }
    }

    private let state = Mutex(State())
    private let metrics: ServerMetrics
    /// Writes the lesson's hub tracks to disk, when recording is configured.
    let recorder: LessonRecorder?
    /// The server's low-bandwidth rendition of the camera (runs only while someone wants it).
    let rendition: LowBandwidthRendition
    /// How long a frame may wait for the next ones to share its write (0: written at once).
    let writeMerge: TimeAmount

    init(metrics: ServerMetrics, recorder: LessonRecorder? = nil, rendition settings: LowBandwidthRendition.Settings = .init(),
         writeMerge: TimeAmount = .zero, logger: Logger = Logger(label: "tirek.media")) {
        self.metrics = metrics
        self.writeMerge = writeMerge
        self.recorder = recorder
        rendition = LowBandwidthRendition(settings: settings, metrics: metrics, logger: logger)
        rendition.attach(self)
    }

    /// A fan-out that records nothing (for the micro-benchmarks in Benchmarks/).
    public static func unrecorded(metrics: ServerMetrics) -> MediaFanout {
        MediaFanout(metrics: metrics)
    }

    /// Who may publish each track now (decided by the lesson rules).
    public func setPublisher(_ participant: ParticipantID?, for track: MediaTrack) {
        state.withLock { s in
            if s.publishers[track] != participant {
                s.publishers[track] = participant
                s.gops[track] = nil
                // A new camera stream: the rendition's decoder resumes at its first keyframe.
                if track == .camera { rendition.restartAtKeyframe() }
            }
        }
    }

    func publisher(of track: MediaTrack) -> ParticipantID? {
        state.withLock { $0.publishers[track] }
    }

    /// Adds a subscriber. Every video track starts at a keyframe: the cached group of pictures is
    /// queued where there is one; otherwise the subscriber waits for the track's next keyframe. Queued
    /// under the lock, so every frame published after it (served later on the subscriber's event loop)
    /// comes after the group.
    public func subscribe(_ connection: LiveConnection, now: UInt64) {
        let inbox = connection.outbound.inbox
        let prefs = connection.mediaPreferences
        var wakes = DrainWakes()
        state.withLock { s in
            if s.subscribers.updateValue(Subscriber(connection: connection, inbox: inbox), forKey: connection.id) == nil {
                s.connectionsOf[connection.participant.id, default: []].append(connection.id)
            }
            for track in MediaTrack.allCases where track.kind == .video {
                // A publisher's own new connection (a reconnect, a second device) is not sent its own frames back.
                guard Self.wants(prefs, track), s.publishers[track] != connection.participant.id,
                      let frames = s.gops[track]?.frames, !frames.isEmpty else {
                    connection.outbound.requireKeyframe(track)
                    continue
                }
                for frame in frames {
                    if let header = try? MediaHeader.parse(frame.payload) {
                        _ = connection.outbound.sendMedia(frame, header: header, now: now, wakes: &wakes)
                    }
                }
            }
        }
        wakes.run()
    }

    public func unsubscribe(_ connection: LiveConnection) {
        state.withLock { s in
            if s.subscribers.removeValue(forKey: connection.id) != nil {
                let participant = connection.participant.id
                s.connectionsOf[participant]?.removeAll { $0 == connection.id }
                if s.connectionsOf[participant]?.isEmpty == true { s.connectionsOf[participant] = nil }
            }
            if s.renditionSubscribers.remove(connection.id) != nil, s.renditionSubscribers.isEmpty { stopRendition(in: &s) }
        }
    }

    /// A subscriber's `media.prefs` changed: starts the low-bandwidth rendition when the first
    /// subscriber wants `camera_low`, stops it when the last one no longer does.
    func preferencesChanged(_ connection: LiveConnection, now: UInt64) {
        let needsSourceKeyframe = state.withLock { s -> Bool in
            guard s.subscribers[connection.id] != nil else { return false }
            if Self.wants(connection.mediaPreferences, .cameraLow) {
                guard s.renditionSubscribers.insert(connection.id).inserted, s.renditionSubscribers.count == 1 else { return false }
                // Under the lock, so the cached group and the frames submitted from now on join without a gap.
                let primer = (s.gops[.camera]?.frames ?? []).compactMap { frame in
                    let payload = frame.payload
                    return (try? MediaHeader.parse(payload)).map { (payload, $0) }
                }
                return rendition.start(primer: primer)
            }
            if s.renditionSubscribers.remove(connection.id) != nil, s.renditionSubscribers.isEmpty { stopRendition(in: &s) }
            return false
        }
        if needsSourceKeyframe { requestKeyframe(.camera, now: now) }
    }

    private func stopRendition(in s: inout State) {
        rendition.stop()
        s.gops[.cameraLow] = nil
        s.lastKeyframeRequest[.cameraLow] = nil
    }

    /// Whether the low-bandwidth rendition runs now.
    var renditionActive: Bool { state.withLock { !$0.renditionSubscribers.isEmpty } }

    /// Validates and fans out one frame from `sender`. The sender's own connections do not get it back.
    /// Live connections are served on their event loops (see `deliver`); the result counts the
    /// subscribers served in this call, those without one.
    public func publish(_ frame: ByteBuffer, header: MediaHeader, from sender: ParticipantID, now: UInt64) -> PublishResult {
        let subscribers: [SubscriberGroup], senderConnections: [UInt64]
        var renditionWantsKeyframe = false
        let wire = WireFrame(binary: frame)
        do {
            (subscribers, senderConnections) = try state.withLock { s throws(PublishError) -> ([SubscriberGroup], [UInt64]) in
                guard s.publishers[header.track] == sender else { throw PublishError() }
                if header.kind == .video { Self.cache(wire, header: header, in: &s) }
                // Under the lock (a queue append), so the rendition sees camera frames in cache order.
                if header.track == .camera, !s.renditionSubscribers.isEmpty {
                    renditionWantsKeyframe = rendition.submit(frame, header: header)
                }
                return (s.groups, s.connectionsOf[sender] ?? [])
            }
        } catch {
            return .forbidden("you do not hold the \(header.track) track now")
        }
        recorder?.record(frame, header: header)
        let result = deliver(wire, header: header, to: subscribers, except: senderConnections, now: now)
        if renditionWantsKeyframe { requestKeyframe(.camera, now: now) }
        return result
    }

    /// Fans out one `camera_low` frame from the rendition (the server is its publisher).
    func renditionFrame(_ frame: ByteBuffer, header: MediaHeader) {
        let wire = WireFrame(binary: frame)
        let subscribers = state.withLock { s -> [SubscriberGroup]? in
            guard !s.renditionSubscribers.isEmpty else { return nil }
            Self.cache(wire, header: header, in: &s)
            return s.groups
        }
        guard let subscribers else { return }
        _ = deliver(wire, header: header, to: subscribers, except: [], now: DispatchTime.now().uptimeNanoseconds)
    }

    func renditionNeedsSourceKeyframe() {
        requestKeyframe(.camera, now: DispatchTime.now().uptimeNanoseconds)
    }

    /// Queues `frame` for every subscriber but the connections in `excluded` (the sender's own). Each
    /// event loop's subscribers are served on that loop, through its inbox: the publisher's task
    /// returns at once, its next frame is not held up by a thousand queues, and each loop touches
    /// only the queues it drains itself (no lock taken from two cores at once). An inbox runs in
    /// order, so every subscriber still gets the frames in publishing order. Subscribers without
    /// a loop are served here; the result counts those.
    private func deliver(_ frame: WireFrame, header: MediaHeader, to groups: [SubscriberGroup], except excluded: [UInt64],
                         now: UInt64) -> PublishResult {
        // A keyframe with the discontinuity flag, made once for every subscriber that resumes here.
        let resumeFrame = header.isKeyframe ? frame.settingMediaFlags(header.flags.union(.discontinuity)) : nil
        var queued = 0, dropped = 0
        for group in groups {
            if let inbox = group.inbox {
                inbox.submit {
                    // The drop policy counts the time the frame waited for this loop.
                    _ = self.serve(frame, header: header, resumeFrame: resumeFrame, to: group.connections, except: excluded,
                                   now: DispatchTime.now().uptimeNanoseconds, receivedAt: now)
                }
            } else {
                let counts = serve(frame, header: header, resumeFrame: resumeFrame, to: group.connections, except: excluded,
                                   now: now, receivedAt: now)
                queued += counts.queued
                dropped += counts.dropped
            }
        }
        return .delivered(queued: queued, dropped: dropped)
    }

    /// Queues `frame` (received at `receivedAt`) for each of `subscribers` under its drop policy at
    /// `now` and schedules their drains; asks for keyframes where a subscriber now waits for one.
    private func serve(_ frame: WireFrame, header: MediaHeader, resumeFrame: WireFrame?, to subscribers: [LiveConnection],
                       except excluded: [UInt64], now: UInt64, receivedAt: UInt64) -> (queued: Int, dropped: Int) {
        var queued = 0, dropped = 0
        var waiting: MediaTrackSet = []
        var wakes = DrainWakes(deadline: writeMerge > .zero ? .uptimeNanoseconds(receivedAt) + writeMerge : nil)
        defer { wakes.run() }
        for connection in subscribers where !excluded.contains(connection.id) {
            let prefs = connection.mediaPreferences
            if !Self.wants(prefs, header.track) { continue }
            let (outcome, awaiting) = connection.outbound.sendMedia(frame, header: header, now: now, receivedAt: receivedAt,
                                                                    resumeFrame: resumeFrame, wakes: &wakes)
            if outcome == .queued { queued += 1 } else { dropped += 1 }
            // Only a wait on a track this subscriber receives asks for a keyframe (camera_low's
            // publisher is the rendition: a plain subscriber must not make it force keyframes).
            if !awaiting.isEmpty {
                for track in awaiting where Self.wants(prefs, track) { waiting.insert(track) }
            }
        }
        metrics.mediaOut.increment(by: Int64(queued))
        if dropped > 0 {
            (header.kind == .audio ? metrics.audioDropped : metrics.videoDropped).increment(by: Int64(dropped))
        }
        for track in waiting { requestKeyframe(track, now: now) }
        return (queued, dropped)
    }

    /// Asks the track's publisher (`media.keyframe_needed`) for a keyframe, at most once per interval.
    /// For `camera_low` the publisher is the rendition, which paces its keyframes itself.
    func requestKeyframe(_ track: MediaTrack, now: UInt64) {
        if track == .cameraLow {
            rendition.requestKeyframe()
            return
        }
        let publisherConnections = state.withLock { s -> [LiveConnection] in
            guard let p = s.publishers[track] else { return [] }
            // Not `now - last`: event loops read their clocks before taking this lock, so `now` may be
            // a little earlier than the last request's and the difference would wrap.
            if let last = s.lastKeyframeRequest[track], now < last + Self.keyframeRequestInterval { return [] }
            s.lastKeyframeRequest[track] = now
            return (s.connectionsOf[p] ?? []).compactMap { s.subscribers[$0]?.connection }
        }
        guard !publisherConnections.isEmpty else { return }
        let message = ServerEncoder().encode(KeyframeNeeded(track: track))
        for connection in publisherConnections { connection.outbound.sendControl(message) }
    }

    private struct PublishError: Error {}

    static func wants(_ prefs: MediaPreferences, _ track: MediaTrack) -> Bool {
        if prefs.audioOnly { return track.kind == .audio }
        switch track {
        case .camera: return !prefs.lowBandwidth
        case .cameraLow: return prefs.lowBandwidth
        default: return true
        }
    }

    private static func cache(_ frame: WireFrame, header: MediaHeader, in s: inout State) {
        let size = frame.bytes.readableBytes
        if header.isKeyframe {
            s.gops[header.track] = GOP(frames: [frame], bytes: size)
        } else if let (count, bytes) = s.gops[header.track].map({ ($0.frames.count, $0.bytes) }), count > 0 {
            if count >= maxCachedFrames || bytes + size > maxCachedBytes {
                s.gops[header.track] = GOP() // too long since the keyframe: wait for the next one
            } else {
                // In place: a copy of the group taken out and put back would copy its whole array.
                s.gops[header.track]!.frames.append(frame)
                s.gops[header.track]!.bytes += size
            }
        }
    }
}
