import Dispatch
import Logging
import NIOCore
import Synchronization
import TirekMedia
import TirekProtocol

/// Where the rendition's output goes (the lesson's `MediaFanout`).
protocol RenditionSink: AnyObject, Sendable {
    /// One encoded `camera_low` frame, envelope included.
    func renditionFrame(_ frame: ByteBuffer, header: MediaHeader)
    /// The rendition cannot continue until the camera's next keyframe (ask its publisher for one).
    func renditionNeedsSourceKeyframe()
}

/// The server's low-bandwidth rendition of one lesson's camera (`camera_low`): the fan-out hands it
/// every camera frame while at least one subscriber wants `camera_low`; it decodes them (libvpx),
/// downscales to at most `maxWidth`×`maxHeight` and re-encodes low-bitrate VP8, which goes back
/// out through the fan-out like any published track.
///
/// The publisher's read path never waits for it: `submit` only appends to a small bounded queue
/// (`RenditionQueue`, under a lock) and wakes a serial dispatch queue of its own, which does the
/// codec work (synchronous CPU work that must not occupy Swift's cooperative pool). If it falls
/// behind, input is dropped up to the next camera keyframe and counted. Stopping frees the codecs.
final class LowBandwidthRendition: Sendable {
    typealias Settings = LowRenditionSettings

    struct Stats: Equatable, Sendable {
        var queue = RenditionQueue.Stats()
        /// `camera_low` frames produced and sent to the fan-out.
        var framesOut = 0
        var keyframesOut = 0
        var bytesOut = 0
        /// Camera frames that did not decode, and encoder failures.
        var errors = 0
        /// Time spent transcoding frames that were encoded (decode, downscale, encode).
        var transcodeNanos: UInt64 = 0
        var transcodedFrames = 0
        /// Size of the latest output picture.
        var width = 0
        var height = 0
    }

    let settings: Settings
    private let state: Mutex<RenditionQueue>
    private let counters = Mutex(Stats())
    private let sink = Mutex(WeakSink())
    private let worker: DispatchQueue
    private let codec: WorkerOwned
    private let metrics: ServerMetrics?
    private let logger: Logger

    init(settings: Settings = Settings(), metrics: ServerMetrics?, logger: Logger, label: String = "tirek.rendition") {
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        state = Mutex(RenditionQueue(capacity: settings.queueCapacity))
        worker = DispatchQueue(label: label)
        codec = WorkerOwned(RenditionTranscoder(settings: settings))
    }

    /// Sets where output goes (held weakly: the sink owns the rendition).
    func attach(_ sink: some RenditionSink) {
        self.sink.withLock { $0.value = sink }
    }

    var isActive: Bool { state.withLock { $0.isActive } }
    var stats: Stats {
        let queue = state.withLock { $0.stats }
        var s = counters.withLock { $0 }
        s.queue = queue
        return s
    }

    /// Starts (if stopped) from `primer`, the camera's cached group of pictures (may be empty).
    /// Returns whether a source keyframe must be requested (no usable primer).
    func start(primer: [(ByteBuffer, MediaHeader)]) -> Bool {
        let (wasActive, outcome) = state.withLock { q in (q.isActive, q.start(primer: primer)) }
        if !wasActive {
            metrics?.renditionsActive.increment()
            logger.debug("low-bandwidth rendition started", metadata: ["primer": "\(primer.count)"])
        }
        if outcome.wake { wake() }
        return outcome.needsSourceKeyframe
    }

    /// Stops (if running); the worker frees the codecs.
    func stop() {
        let (wasActive, wake) = state.withLock { q in (q.isActive, q.stop()) }
        if wasActive {
            metrics?.renditionsActive.decrement()
            logger.debug("low-bandwidth rendition stopped")
        }
        if wake { self.wake() }
    }

    /// Hands over one camera frame; never waits. Returns whether a source keyframe must be requested.
    func submit(_ frame: ByteBuffer, header: MediaHeader) -> Bool {
        let offer = state.withLock { $0.offer(frame, header: header) }
        if offer.dropped > 0 { metrics?.renditionDropped.increment(by: Int64(offer.dropped)) }
        if offer.wake { wake() }
        return offer.needsSourceKeyframe
    }

    /// The source restarts (e.g. a new camera publisher): resume at its next keyframe.
    func restartAtKeyframe() {
        let dropped = state.withLock { q -> Int in q.isActive ? q.restartAtKeyframe() : 0 }
        if dropped > 0 { metrics?.renditionDropped.increment(by: Int64(dropped)) }
    }

    /// A `camera_low` subscriber needs a keyframe: the next encoded frame is one (paced).
    func requestKeyframe() {
        state.withLock { $0.requestKeyframe() }
    }

    /// Waits until the worker has handled everything submitted so far (for tests).
    func idle() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            worker.async { c.resume() }
        }
    }

    /// Whether the worker holds no codec now (for tests; call after `idle()`).
    func codecsReleased() async -> Bool {
        await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            worker.async { [codec] in c.resume(returning: codec.value.isReleased) }
        }
    }

    // MARK: Worker (runs only on `worker`)

    private func wake() {
        worker.async { [self] in run() }
    }

    private func run() {
        let transcoder = codec.value
        while let batch = state.withLock({ $0.take() }) {
            if batch.generation != codec.generation {
                transcoder.release()
                codec.generation = batch.generation
            }
            process(batch, with: transcoder)
        }
        if !state.withLock({ $0.isActive }) { transcoder.release() }
    }

    private func process(_ batch: RenditionQueue.Batch, with transcoder: RenditionTranscoder) {
        if batch.keyframeRequested { transcoder.requestKeyframe() }
        var served = !batch.keyframeRequested
        var broken = false
        for item in batch.items {
            if broken {
                guard item.header.isKeyframe else { continue }
                broken = false
            }
            let started = DispatchTime.now().uptimeNanoseconds
            let chunks: [EncodedChunk]
            do throws(RenditionError) {
                chunks = try transcoder.transcode(Array(item.frame.readableBytesView.dropFirst(MediaHeader.size)),
                                                  sourceTimestamp: item.header.timestamp,
                                                  sourceKeyframe: item.header.isKeyframe, encode: item.encode, now: started)
            } catch {
                fail(error, batch: batch, broken: &broken)
                continue
            }
            if item.encode { served = true }
            let elapsed = DispatchTime.now().uptimeNanoseconds &- started
            emit(chunks, source: item.header, generation: batch.generation, elapsed: item.encode ? elapsed : nil)
        }
        if !served { state.withLock { $0.requeueKeyframeRequest(generation: batch.generation) } }
    }

    private func fail(_ error: RenditionError, batch: RenditionQueue.Batch, broken: inout Bool) {
        counters.withLock { $0.errors += 1 }
        logger.notice("low-bandwidth rendition skipped a camera frame", metadata: ["error": "\(error)"])
        guard case .decode = error else { return }
        // The decoder must restart at a keyframe: skip the rest of this batch and of the queue up to one.
        broken = true
        let dropped = state.withLock { q -> Int in q.generation == batch.generation ? q.restartAtKeyframe() : 0 }
        if dropped > 0 { metrics?.renditionDropped.increment(by: Int64(dropped)) }
        sink.withLock { $0.value }?.renditionNeedsSourceKeyframe()
    }

    private func emit(_ chunks: [EncodedChunk], source: MediaHeader, generation: UInt64, elapsed: UInt64?) {
        guard !chunks.isEmpty || elapsed != nil else { return }
        var frames: [(ByteBuffer, MediaHeader)] = []
        var size: (width: Int, height: Int)?
        for chunk in chunks {
            let vp8 = VP8FrameHeader(chunk.bytes)
            let isKeyframe = vp8?.isKeyframe ?? false
            if isKeyframe, let w = vp8?.width, let h = vp8?.height { size = (w, h) }
            codec.sequence &+= 1
            let header = MediaHeader(track: .cameraLow, flags: isKeyframe ? .keyframe : [], sequence: codec.sequence,
                                     timestamp: source.timestamp)
            frames.append((header.frame(payload: chunk.bytes), header))
        }
        if let elapsed {
            counters.withLock { s in
                s.transcodeNanos += elapsed
                s.transcodedFrames += 1
            }
        }
        // Output of a generation that has ended (stopped meanwhile) is not sent.
        guard !frames.isEmpty, state.withLock({ $0.isActive && $0.generation == generation }),
              let sink = sink.withLock({ $0.value }) else { return }
        counters.withLock { s in
            for (frame, header) in frames {
                s.framesOut += 1
                s.bytesOut += frame.readableBytes - MediaHeader.size
                if header.isKeyframe { s.keyframesOut += 1 }
            }
            if let size { (s.width, s.height) = size }
        }
        metrics?.renditionFrames.increment(by: Int64(frames.count))
        for (frame, header) in frames { sink.renditionFrame(frame, header: header) }
    }
}

private struct WeakSink {
    weak var value: (any RenditionSink)?
}

/// State used only on the rendition's serial worker queue (so no lock): the transcoder, the
/// generation it belongs to, and the output sequence number.
private final class WorkerOwned: @unchecked Sendable {
    let value: RenditionTranscoder
    var generation: UInt64 = 0
    var sequence: UInt32 = 0

    init(_ value: RenditionTranscoder) {
        self.value = value
    }
}
