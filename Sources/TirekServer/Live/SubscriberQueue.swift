import NIOCore
import TirekProtocol

/// The outbound queue of one connection, as a pure value: what to send next, and what to drop
/// when the subscriber falls behind. The I/O wrapper (`Outbound`) only locks and wakes.
///
/// Policy (after Galène): control messages are never dropped — a connection whose control backlog
/// overflows is closed and resynchronises from a fresh snapshot. Media is bounded in *time*:
/// when the oldest queued video frame is older than the video budget, every queued video frame
/// is dropped and that track waits for its next keyframe (frames in between would not decode);
/// audio older than the audio budget is dropped from the front, so what is heard stays live.
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

    struct MediaItem {
        var frame: WireFrame
        var track: MediaTrack
        var enqueuedAt: UInt64
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
    private(set) var media = CircularBuffer<MediaItem>()
    public private(set) var mediaBytes = 0
    public private(set) var awaitingKeyframe: Set<MediaTrack> = []
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
        if awaitingKeyframe.insert(track).inserted { stats.keyframeWaits += 1 }
    }

    /// Queues a media frame under the policy. `resumeFrame` is this keyframe with the discontinuity
    /// flag set, queued instead of it where a track resumes here; nil: a marked copy is made. A
    /// fan-out passes one copy for all its subscribers, so a wave of joiners waiting for the same
    /// keyframe shares it instead of copying it each.
    public mutating func pushMedia(_ frame: WireFrame, header: MediaHeader, now: UInt64, resumeFrame: WireFrame? = nil) -> MediaOutcome {
        let track = header.track
        let size = frame.bytes.readableBytes
        trimAudio(now: now)
        if header.kind == .video {
            if let oldest = media.first(where: { $0.track.kind == .video }),
               now &- oldest.enqueuedAt > budget.videoNanos || mediaBytes + size > budget.maxMediaBytes {
                dropQueuedVideo()
                startWaiting(for: track)
            }
            if awaitingKeyframe.contains(track) {
                if header.isKeyframe {
                    awaitingKeyframe.remove(track)
                    let marked = resumeFrame ?? frame.settingMediaFlags(header.flags.union(.discontinuity))
                    append(MediaItem(frame: marked, track: track, enqueuedAt: now))
                    return .queued
                }
                stats.videoDropped += 1
                return .dropped
            }
        } else if mediaBytes + size > budget.maxMediaBytes {
            stats.audioDropped += 1
            return .dropped
        }
        append(MediaItem(frame: frame, track: track, enqueuedAt: now))
        return .queued
    }

    /// Everything queued, control first; the queue is empty afterwards.
    public mutating func popAll(into out: inout [WireFrame]) {
        while let c = control.popFirst() { out.append(c) }
        while let m = media.popFirst() { out.append(m.frame) }
        mediaBytes = 0
    }

    /// Age in nanoseconds of the oldest queued media frame (0 when none): this subscriber's lag.
    public func lag(now: UInt64) -> UInt64 {
        media.first.map { now &- $0.enqueuedAt } ?? 0
    }

    private mutating func append(_ item: MediaItem) {
        mediaBytes += item.frame.bytes.readableBytes
        media.append(item)
    }

    private mutating func trimAudio(now: UInt64) {
        // Only the front can be stale; stop at the first fresh or video item.
        while let first = media.first, first.track.kind == .audio, now &- first.enqueuedAt > budget.audioNanos {
            mediaBytes -= first.frame.bytes.readableBytes
            media.removeFirst()
            stats.audioDropped += 1
        }
    }

    private mutating func dropQueuedVideo() {
        var kept = CircularBuffer<MediaItem>(initialCapacity: media.count)
        for item in media {
            if item.track.kind == .video {
                stats.videoDropped += 1
                mediaBytes -= item.frame.bytes.readableBytes
                startWaiting(for: item.track)
            } else {
                kept.append(item)
            }
        }
        media = kept
    }
}
