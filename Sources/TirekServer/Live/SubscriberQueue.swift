import NIOCore
import TirekProtocol

/// The outbound queue of one connection, as a pure value: what to send next, and what to drop
/// when the subscriber falls behind. The I/O wrapper (`Outbound`) only locks and wakes.
///
/// Policy (after Galène): control messages are never dropped — a connection whose control backlog
/// overflows is closed and resynchronises from a fresh snapshot. Media is bounded in *time*, counted
/// from when the server received the frame:
/// when the oldest queued video frame is older than the video budget, every queued video frame
/// is dropped and that track waits for its next keyframe (frames in between would not decode);
/// audio older than the audio budget is dropped from the front, so what is heard stays live. A
/// frame already older than its budget when it is queued (the server itself is behind) is dropped
/// the same way.
/// Control goes out first, then media in arrival order.
@_spi(Benchmarks) public struct SubscriberQueue {
    public struct Budget: Sendable {
        public init() {}
        public var maxControlMessages = 4096
        /// Nanoseconds an audio frame may wait before it is stale.
        public var audioNanos: UInt64 = 200_000_000
        /// Nanoseconds a video frame may wait before the subscriber is declared behind.
        public var videoNanos: UInt64 = 400_000_000
        /// Upper bound on queued media bytes (as written: frame headers included), whatever their age.
        public var maxMediaBytes = 4 << 20
    }

    /// What the policy reads of a queued media frame, kept apart from the frame itself: plain values
    /// that the per-frame checks read without touching (retaining) the shared frame buffers.
    struct MediaMeta {
        var track: MediaTrack
        var enqueuedAt: UInt64
        var bytes: Int
    }

    public struct Stats: Equatable {
        public var audioDropped = 0
        public var videoDropped = 0
        public var keyframeWaits = 0
    }

    public enum MediaOutcome: Equatable {
        case queued
        /// Dropped: stale audio, or video while its track waits for a keyframe (see `awaitingKeyframe`).
        case dropped
    }

    public let budget: Budget
    private(set) var control = CircularBuffer<WireFrame>()
    /// Queued media frames, in arrival order; `mediaMeta` holds what the policy needs of each.
    private(set) var media = CircularBuffer<WireFrame>()
    private var mediaMeta = CircularBuffer<MediaMeta>()
    /// When the oldest queued video frame was queued; nil when no video is queued. (Video leaves the
    /// queue only all at once, so the oldest is the first queued since then.)
    private var oldestVideoAt: UInt64?
    public private(set) var mediaBytes = 0
    public private(set) var awaitingKeyframe: MediaTrackSet = []
    public private(set) var stats = Stats()

    public init(budget: Budget = Budget()) {
        self.budget = budget
    }

    public var isEmpty: Bool { control.isEmpty && media.isEmpty }

    /// Queues a control message; false when the backlog is over its bound (close the connection).
    public mutating func pushControl(_ frame: WireFrame) -> Bool {
        guard control.count < budget.maxControlMessages else { return false }
        control.append(frame)
        return true
    }

    /// A subscriber that starts (or restarts) a video track must wait for a keyframe.
    public mutating func requireKeyframe(_ track: MediaTrack) {
        awaitingKeyframe.insert(track)
    }

    private mutating func startWaiting(for track: MediaTrack) {
        if awaitingKeyframe.insert(track) { stats.keyframeWaits += 1 }
    }

    /// Queues a media frame under the policy. `now` is the time of the check; `receivedAt`, when
    /// the server received the frame (nil: `now`), is what its age counts from: a frame that reached
    /// its connection's event loop late (a loop behind its work) counts the wait. `resumeFrame` is
    /// this keyframe with the discontinuity flag set, queued instead of it where a track resumes
    /// here; nil: a marked copy is made. A fan-out passes one copy for all its subscribers, so a wave
    /// of joiners waiting for the same keyframe shares it instead of copying it each.
    public mutating func pushMedia(_ frame: WireFrame, header: MediaHeader, now: UInt64, receivedAt: UInt64? = nil,
                                   resumeFrame: WireFrame? = nil) -> MediaOutcome {
        let track = header.track
        let size = frame.bytes.readableBytes
        let received = receivedAt ?? now
        let age = Self.age(since: received, now: now)
        trimAudio(now: now)
        if header.kind == .video {
            // Already stale when queued: this frame goes too (with every queued video frame, as when
            // queued video grows stale), and the track waits for its next keyframe.
            let stale = age > budget.videoNanos
            let queuedBehind = oldestVideoAt.map { oldest in
                Self.age(since: oldest, now: now) > budget.videoNanos || mediaBytes + size > budget.maxMediaBytes
            } ?? false
            if stale || queuedBehind {
                dropQueuedVideo()
                startWaiting(for: track)
            }
            if stale {
                stats.videoDropped += 1
                return .dropped
            }
            if awaitingKeyframe.contains(track) {
                if header.isKeyframe {
                    awaitingKeyframe.remove(track)
                    let marked = resumeFrame ?? frame.settingMediaFlags(header.flags.union(.discontinuity))
                    append(marked, track: track, at: received)
                    return .queued
                }
                stats.videoDropped += 1
                return .dropped
            }
        } else if age > budget.audioNanos || mediaBytes + size > budget.maxMediaBytes {
            stats.audioDropped += 1
            return .dropped
        }
        append(frame, track: track, at: received)
        return .queued
    }

    /// Everything queued, control first; the queue is empty afterwards.
    public mutating func popAll(into out: inout [WireFrame]) {
        while let c = control.popFirst() { out.append(c) }
        while let m = media.popFirst() { out.append(m) }
        mediaMeta.removeAll(keepingCapacity: true)
        mediaBytes = 0
        oldestVideoAt = nil
    }

    /// Age in nanoseconds of the oldest queued media frame (0 when none): this subscriber's lag.
    public func lag(now: UInt64) -> UInt64 {
        mediaMeta.first.map { Self.age(since: $0.enqueuedAt, now: now) } ?? 0
    }

    /// Nanoseconds from `time` to `now`; 0 when `time` is later (frames reach a queue in order, but
    /// their `now` is read before the fan-out's lock: a join's cached frames may carry a later one).
    private static func age(since time: UInt64, now: UInt64) -> UInt64 {
        now > time ? now - time : 0
    }

    private mutating func append(_ frame: WireFrame, track: MediaTrack, at time: UInt64) {
        let bytes = frame.bytes.readableBytes
        if track.kind == .video, oldestVideoAt == nil { oldestVideoAt = time }
        mediaBytes += bytes
        media.append(frame)
        mediaMeta.append(MediaMeta(track: track, enqueuedAt: time, bytes: bytes))
    }

    private mutating func trimAudio(now: UInt64) {
        // Only the front can be stale; stop at the first fresh or video item.
        while let first = mediaMeta.first, first.track.kind == .audio, Self.age(since: first.enqueuedAt, now: now) > budget.audioNanos {
            mediaBytes -= first.bytes
            mediaMeta.removeFirst()
            media.removeFirst()
            stats.audioDropped += 1
        }
    }

    private mutating func dropQueuedVideo() {
        var kept = CircularBuffer<WireFrame>(initialCapacity: media.count)
        var keptMeta = CircularBuffer<MediaMeta>(initialCapacity: media.count)
        for (frame, meta) in zip(media, mediaMeta) {
            if meta.track.kind == .video {
                stats.videoDropped += 1
                mediaBytes -= meta.bytes
                startWaiting(for: meta.track)
            } else {
                kept.append(frame)
                keptMeta.append(meta)
            }
        }
        media = kept
        mediaMeta = keptMeta
        oldestVideoAt = nil
    }
}
