import NIOCore
import TirekProtocol

/// The input side of the low-bandwidth rendition, as a pure value: whether it runs, which camera
/// frames wait for the transcoder, and whether the transcoder is scheduled. `LowBandwidthRendition`
/// only locks around it and wakes its worker.
///
/// Policy: input starts at a source keyframe — the camera's cached group of pictures when there is
/// one (all but its newest frame are only decoded, so the first output is the current picture),
/// otherwise the next keyframe. At most `capacity` frames to encode may wait; one more means the
/// transcoder fell behind: camera frames are dropped up to the next source keyframe (a VP8 decoder
/// can only resume there), while what already waits is still transcoded (it decodes: nothing is
/// missing before it). A keyframe that finds the queue full replaces what waits, so the rendition
/// catches up to the live picture. Each start and stop begins a new generation, so
/// the worker knows to drop its codecs and any batch it took before.
struct RenditionQueue {
    struct Item: Sendable {
        var frame: ByteBuffer
        var header: MediaHeader
        /// False for a primer frame that is decoded only (to rebuild the decoder's reference frames).
        var encode: Bool
    }

    /// What the worker takes at once.
    struct Batch: Sendable {
        var generation: UInt64
        var items: [Item]
        /// A subscriber asked for a keyframe on camera_low since the last batch.
        var keyframeRequested: Bool
    }

    struct Stats: Equatable, Sendable {
        /// Source frames queued for the transcoder (primer frames included).
        var accepted = 0
        /// Source frames dropped: behind, or before the first keyframe after a start or a drop.
        var dropped = 0
        var starts = 0
    }

    /// The outcome of offering one source frame.
    struct Offer: Equatable {
        var queued = false
        /// Source frames dropped by this offer (queued ones and possibly this one).
        var dropped = 0
        /// The worker must be scheduled.
        var wake = false
        /// Input now waits for a source keyframe: ask the camera's publisher for one.
        var needsSourceKeyframe = false
    }

    let capacity: Int
    private(set) var isActive = false
    /// Bumped at each start and stop.
    private(set) var generation: UInt64 = 0
    private(set) var items: [Item] = []
    /// Waiting frames that will be encoded (the bound applies to these; primer frames are decode-only).
    private(set) var encodable = 0
    /// Input is discarded until a source keyframe.
    private(set) var awaitingKeyframe = true
    private(set) var keyframeRequested = false
    /// A worker run is scheduled or in progress (it takes batches until the queue is empty).
    private(set) var scheduled = false
    private(set) var stats = Stats()

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Starts with `primer`, the camera's cached group of pictures (keyframe first; may be empty).
    /// Returns whether the worker must be woken and whether a source keyframe must be requested.
    mutating func start(primer: [(ByteBuffer, MediaHeader)]) -> (wake: Bool, needsSourceKeyframe: Bool) {
        guard !isActive else { return (false, false) }
        isActive = true
        generation &+= 1
        stats.starts += 1
        items.removeAll()
        encodable = 0
        keyframeRequested = false
        guard let first = primer.first, first.1.isKeyframe else {
            awaitingKeyframe = true
            return (false, true)
        }
        awaitingKeyframe = false
        for (i, (frame, header)) in primer.enumerated() {
            items.append(Item(frame: frame, header: header, encode: i == primer.count - 1))
        }
        encodable = 1
        stats.accepted += primer.count
        return (schedule(), false)
    }

    /// Stops: what waits is discarded. Returns whether the worker must be woken (to free its codecs).
    mutating func stop() -> Bool {
        guard isActive else { return false }
        isActive = false
        generation &+= 1
        items.removeAll()
        encodable = 0
        awaitingKeyframe = true
        keyframeRequested = false
        return schedule()
    }

    /// Offers one camera frame (any frame of the source track, in publish order).
    mutating func offer(_ frame: ByteBuffer, header: MediaHeader) -> Offer {
        var result = Offer()
        guard isActive else { return result }
        if awaitingKeyframe {
            guard header.isKeyframe else {
                stats.dropped += 1
                result.dropped = 1
                return result
            }
            awaitingKeyframe = false
        }
        if encodable >= capacity {
            guard header.isKeyframe else {
                // Behind: skip input up to the next keyframe; what waits still decodes and goes out.
                stats.dropped += 1
                result.dropped = 1
                awaitingKeyframe = true
                result.needsSourceKeyframe = true
                return result
            }
            // Behind, at a keyframe: jump to it (what waits is older than the picture it brings).
            result.dropped = items.count
            stats.dropped += items.count
            items.removeAll()
            encodable = 0
        }
        items.append(Item(frame: frame, header: header, encode: true))
        encodable += 1
        stats.accepted += 1
        result.queued = true
        result.wake = schedule()
        return result
    }

    /// The transcoder could not use the source (a decode error): discard what waits and resume at
    /// the next source keyframe. Returns how many waiting frames were dropped.
    mutating func restartAtKeyframe() -> Int {
        let dropped = items.count
        stats.dropped += dropped
        items.removeAll()
        encodable = 0
        awaitingKeyframe = true
        return dropped
    }

    /// A subscriber needs a keyframe on camera_low.
    mutating func requestKeyframe() {
        if isActive { keyframeRequested = true }
    }

    /// Everything waiting, or nil when nothing does (the worker run then ends).
    mutating func take() -> Batch? {
        guard !items.isEmpty else {
            scheduled = false
            return nil
        }
        defer {
            items.removeAll(keepingCapacity: true)
            encodable = 0
            keyframeRequested = false
        }
        return Batch(generation: generation, items: items, keyframeRequested: keyframeRequested)
    }

    /// A keyframe request the worker could not serve yet (no frame to encode in its batch) is kept.
    mutating func requeueKeyframeRequest(generation g: UInt64) {
        if g == generation, isActive { keyframeRequested = true }
    }

    private mutating func schedule() -> Bool {
        if scheduled { return false }
        scheduled = true
        return true
    }
}

/// When the rendition's next output frame must be a keyframe: at the first frame of a new encoder,
/// at a source keyframe, and when a subscriber asks — at most one forced keyframe per `interval`
/// nanoseconds; a request within the interval is deferred to the first frame after it, not lost.
struct KeyframePacer {
    let interval: UInt64
    private(set) var pending = false
    private(set) var lastForced: UInt64?

    init(interval: UInt64) {
        self.interval = interval
    }

    mutating func request() { pending = true }

    /// A new encoder's first frame is a keyframe anyway; it counts as a forced one.
    mutating func encoderStarted(now: UInt64) {
        pending = false
        lastForced = now
    }

    /// Whether to force a keyframe on the frame encoded at `now`.
    mutating func shouldForce(now: UInt64) -> Bool {
        guard pending else { return false }
        if let last = lastForced, now &- last < interval { return false }
        pending = false
        lastForced = now
        return true
    }

    mutating func reset() {
        pending = false
        lastForced = nil
    }
}
