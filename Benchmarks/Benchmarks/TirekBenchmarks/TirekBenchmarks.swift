// Micro-benchmarks of Tirek's hot paths, each next to a peer measured in the same run:
//
//   envelope   MediaHeader.parse / serialise          vs. raw reads / a bare payload copy
//   fan-out    MediaFanout.publish, Outbound.sendMedia, SubscriberQueue.pushMedia to N queues
//                                                     vs. Array.append and AsyncStream.yield to N
//   drop       the queue drop policy under overflow   vs. the same media into a drained queue
//   control    ServerEncoder.encode of one broadcast  vs. a reused JSONEncoder
//
// Names end in "×K" when one iteration does K operations; scripts/bench.sh divides by K and
// prints the ratios. Run: sh scripts/bench.sh (see Benchmarks/RESULTS.md).
import Benchmark
import Foundation
import NIOCore
import TirekCore
import TirekProtocol
@_spi(Benchmarks) import TirekServer

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 20,
        maxDuration: .milliseconds(700),
        maxIterations: 200_000)
    envelopeBenchmarks()
    fanoutBenchmarks()
    dropPolicyBenchmarks()
    controlBenchmarks()
}

// MARK: - Fixtures

/// A VP8 delta-frame-sized payload (loadgen's average camera frame is ~4.2 KB) and an Opus-sized one.
let videoPayload = [UInt8]((0..<4200).map { UInt8(truncatingIfNeeded: $0 &* 31) })
let audioPayload = [UInt8]((0..<80).map { UInt8(truncatingIfNeeded: $0 &* 7) })

func videoFrame(key: Bool = false, sequence: UInt32 = 1, timestamp: UInt64 = 1_000_000) -> (ByteBuffer, MediaHeader) {
    let header = MediaHeader(track: .camera, flags: key ? .keyframe : [], sequence: sequence, timestamp: timestamp)
    return (header.frame(payload: videoPayload), header)
}

func audioFrame(sequence: UInt32 = 1, timestamp: UInt64 = 1_000_000) -> (ByteBuffer, MediaHeader) {
    let header = MediaHeader(track: .audio, sequence: sequence, timestamp: timestamp)
    return (header.frame(payload: audioPayload), header)
}

func claims(_ id: String, role: Role) -> JoinClaims {
    JoinClaims(tokenID: "t-\(id)", lessonID: LessonID("bench"), participantID: ParticipantID(id), role: role,
               classroomID: role == .student ? ClassroomID("c1") : nil, displayName: id, issuedAt: 0, expires: .max)
}

/// Mutable state shared by a benchmark's closure (one benchmark runs at a time).
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

// MARK: - Envelope

func envelopeBenchmarks() {
    let k = 1000
    let (frame, header) = videoFrame(key: true, sequence: 42, timestamp: 1_764_000_000_000_000)

    Benchmark("envelope: MediaHeader.parse ×1000") { benchmark in
        for _ in 0..<k { blackHole(try? MediaHeader.parse(frame)) }
    }
    // Peer: the same 16 bytes read with no validation at all (what parse adds is its checks).
    Benchmark("envelope peer: raw 16-byte read ×1000") { benchmark in
        for _ in 0..<k {
            let i = frame.readerIndex
            blackHole(frame.getInteger(at: i, as: UInt8.self))
            blackHole(frame.getInteger(at: i + 1, as: UInt8.self))
            blackHole(frame.getInteger(at: i + 2, as: UInt8.self))
            blackHole(frame.getInteger(at: i + 3, as: UInt8.self))
            blackHole(frame.getInteger(at: i + 4, endianness: .big, as: UInt32.self))
            blackHole(frame.getInteger(at: i + 8, endianness: .big, as: UInt64.self))
        }
    }
    let allocator = ByteBufferAllocator()
    Benchmark("envelope: MediaHeader.frame(4.2 KB payload) ×1000") { benchmark in
        for n in 0..<k {
            let h = MediaHeader(track: .camera, sequence: UInt32(n), timestamp: UInt64(n))
            blackHole(h.frame(payload: videoPayload, allocator: allocator))
        }
    }
    // Peer: the payload copied into a fresh buffer of the same size, without a header.
    Benchmark("envelope peer: 4.2 KB payload copy ×1000") { benchmark in
        for _ in 0..<k {
            var b = allocator.buffer(capacity: MediaHeader.size + videoPayload.count)
            b.writeBytes(videoPayload)
            blackHole(b)
        }
    }
    let scratch = Box(allocator.buffer(capacity: 64))
    Benchmark("envelope: MediaHeader.write (header only) ×1000") { benchmark in
        for n in 0..<k {
            scratch.value.clear()
            MediaHeader(track: .audio, sequence: UInt32(n), timestamp: UInt64(n)).write(to: &scratch.value)
        }
        blackHole(scratch.value)
    }
    let marked = Box(frame)
    Benchmark("envelope: MediaHeader.setFlags (discontinuity mark) ×1000") { benchmark in
        for _ in 0..<k {
            var copy = marked.value // the server marks a copy toward one subscriber: copy-on-write of 4.2 KB
            MediaHeader.setFlags([.keyframe, .discontinuity], in: &copy)
            blackHole(copy)
        }
    }
    _ = header
}

// MARK: - Fan-out

func fanoutBenchmarks() {
    for n in [100, 1000] {
        fanout(subscribers: n)
    }
}

func fanout(subscribers n: Int) {
    let (frame, header) = videoFrame()
    let (keyframe, keyHeader) = videoFrame(key: true)
    let now: UInt64 = 1_000_000_000
    let hub = ParticipantID("hub")

    // The real path: MediaFanout.publish — snapshot of the subscriber list under a lock, the
    // per-subscriber preference check, Outbound.sendMedia (lock + drop policy + queue push), metrics.
    let fanout = MediaFanout.unrecorded(metrics: ServerMetrics())
    fanout.setPublisher(hub, for: .camera)
    let connections = (0..<n).map { i in
        LiveConnection(id: UInt64(i + 1), claims: claims("s\(i)", role: .student), openedAt: Instant(millis: 0),
                       budget: SubscriberQueue.Budget())
    }
    for c in connections { fanout.subscribe(c, now: now) }
    _ = fanout.publish(keyframe, header: keyHeader, from: hub, now: now) // every subscriber starts at a keyframe
    let batch = Box([ByteBuffer]())
    batch.value.reserveCapacity(64)
    let (wire, keyWire) = (WireFrame(binary: frame), WireFrame(binary: keyframe))
    let popped = Box([WireFrame]())
    popped.value.reserveCapacity(64)

    Benchmark("fan-out: MediaFanout.publish 1 frame to \(n) ×1") { benchmark async in
        benchmark.startMeasurement()
        let result = fanout.publish(frame, header: header, from: hub, now: now)
        benchmark.stopMeasurement()
        blackHole(result)
        for c in connections {
            batch.value.removeAll(keepingCapacity: true)
            _ = await c.outbound.next(into: &batch.value)
        }
    }

    // The per-subscriber step alone: Outbound.sendMedia to each of N outbound queues.
    let outbounds = (0..<n).map { _ in Outbound() }
    for o in outbounds { _ = o.sendMedia(keyWire, header: keyHeader, now: now) }
    Benchmark("fan-out: Outbound.sendMedia to \(n) ×1") { benchmark async in
        benchmark.startMeasurement()
        for o in outbounds { blackHole(o.sendMedia(wire, header: header, now: now)) }
        benchmark.stopMeasurement()
        for o in outbounds {
            batch.value.removeAll(keepingCapacity: true)
            _ = await o.next(into: &batch.value)
        }
    }

    // The drop-policy value without the lock: SubscriberQueue.pushMedia to N queues.
    let queues = Box((0..<n).map { _ in SubscriberQueue() })
    for i in 0..<n { _ = queues.value[i].pushMedia(keyWire, header: keyHeader, now: now) }
    Benchmark("fan-out: SubscriberQueue.pushMedia to \(n) ×1") { benchmark in
        benchmark.startMeasurement()
        for i in 0..<n { blackHole(queues.value[i].pushMedia(wire, header: header, now: now)) }
        benchmark.stopMeasurement()
        for i in 0..<n {
            popped.value.removeAll(keepingCapacity: true)
            queues.value[i].popAll(into: &popped.value)
        }
    }

    // Peer 1: a plain Array<ByteBuffer> per subscriber (no lock, no policy).
    let arrays = Box((0..<n).map { _ -> [ByteBuffer] in var a = [ByteBuffer](); a.reserveCapacity(8); return a })
    Benchmark("fan-out peer: Array.append to \(n) ×1") { benchmark in
        benchmark.startMeasurement()
        for i in 0..<n { arrays.value[i].append(frame) }
        benchmark.stopMeasurement()
        for i in 0..<n { arrays.value[i].removeAll(keepingCapacity: true) }
    }

    // Peer 2: one AsyncStream per subscriber with a bounded buffer (the pattern in FIELD-NOTES:
    // yield from the broadcaster, a task per subscriber drains). Nobody drains here: the buffer
    // stays full and each yield evicts the oldest, as for a subscriber that is behind.
    let streams = (0..<n).map { _ in AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(64)) }
    for s in streams { for _ in 0..<64 { s.continuation.yield(frame) } }
    Benchmark("fan-out peer: AsyncStream.yield to \(n) ×1") { benchmark in
        benchmark.startMeasurement()
        for s in streams { blackHole(s.continuation.yield(frame)) }
        benchmark.stopMeasurement()
    }
    withExtendedLifetime(streams) {}
}

// MARK: - Drop policy

/// One second of a subscriber's media (50 Opus + 30 VP8 frames, keyframe every 2 s: at the start
/// of even seconds), interleaved in send order, with each frame's offset in nanoseconds.
func oneSecondOfMedia(second: Int) -> [(WireFrame, MediaHeader, UInt64)] {
    var out: [(WireFrame, MediaHeader, UInt64)] = []
    var a = 0, v = 0
    while a < 50 || v < 30 {
        let audioAt = a * 20_000_000, videoAt = v * 1_000_000_000 / 30
        if a < 50 && (v >= 30 || audioAt <= videoAt) {
            let (f, h) = audioFrame(sequence: UInt32(a))
            out.append((WireFrame(binary: f), h, UInt64(audioAt)))
            a += 1
        } else {
            let (f, h) = videoFrame(key: v == 0 && second % 2 == 0, sequence: UInt32(v))
            out.append((WireFrame(binary: f), h, UInt64(videoAt)))
            v += 1
        }
    }
    return out
}

func dropPolicyBenchmarks() {
    let seconds = (0..<2).map(oneSecondOfMedia)
    let second = Box(0)

    // A subscriber that never reads: the queue sits at its budget, queued video is dropped to the
    // next keyframe when its oldest frame is 400 ms old, audio older than 200 ms is trimmed.
    let stalled = Box(SubscriberQueue())
    Benchmark("drop: 1 s of media (80 frames) into a stalled queue ×80") { benchmark in
        let s = second.value
        second.value += 1
        let base = UInt64(s) * 1_000_000_000
        for (f, h, t) in seconds[s % 2] { blackHole(stalled.value.pushMedia(f, header: h, now: base + t)) }
    }
    // Peer: the same media into a queue whose writer keeps up (popped after each frame).
    let live = Box(SubscriberQueue())
    let drained = Box([WireFrame]())
    drained.value.reserveCapacity(8)
    let liveSecond = Box(0)
    Benchmark("drop peer: 1 s of media (80 frames) into a drained queue ×80") { benchmark in
        let s = liveSecond.value
        liveSecond.value += 1
        let base = UInt64(s) * 1_000_000_000
        for (f, h, t) in seconds[s % 2] {
            blackHole(live.value.pushMedia(f, header: h, now: base + t))
            drained.value.removeAll(keepingCapacity: true)
            live.value.popAll(into: &drained.value)
        }
    }
    // The moment of overflow: 400 ms of queued media (12 video + 20 audio frames), then one more
    // video frame 401 ms later drops all queued video and starts waiting for a keyframe.
    let (vb, vh) = videoFrame()
    let (kb, kh) = videoFrame(key: true)
    let (ab, ah) = audioFrame()
    let (vf, kf, af) = (WireFrame(binary: vb), WireFrame(binary: kb), WireFrame(binary: ab))
    Benchmark("drop: overflow of a 400 ms backlog (drop video to next keyframe) ×1") { benchmark in
        var q = SubscriberQueue()
        _ = q.pushMedia(kf, header: kh, now: 0)
        for i in 1..<32 {
            if i % 8 < 3 { _ = q.pushMedia(vf, header: vh, now: UInt64(i) * 12_500_000) } else { _ = q.pushMedia(af, header: ah, now: UInt64(i) * 12_500_000) }
        }
        benchmark.startMeasurement()
        blackHole(q.pushMedia(vf, header: vh, now: 401_000_000))
        benchmark.stopMeasurement()
        blackHole(q)
    }
}

// MARK: - Control

func controlBenchmarks() {
    let presence = PresenceEvent(
        change: .joined,
        participant: Participant(id: ParticipantID("st-0042"), role: .student, displayName: "Айгерім Сапарова",
                                 classroomID: ClassroomID("c-aral-7")),
        at: Instant(millis: 1_764_000_000_000), connections: 1)
    let encoder = ServerEncoder()
    // What a broadcast costs once, before the same bytes go to every recipient.
    Benchmark("control: ServerEncoder.encode(presence) once ×1") { benchmark in
        blackHole(encoder.encode(presence))
    }
    // Peer: the same JSON through one reused, sorted-keys JSONEncoder (ServerEncoder builds a new
    // encoder per call and wraps the message to add "type").
    struct Framed: Encodable {
        let type = "presence"
        let event: PresenceEvent
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try event.encode(to: encoder)
        }
        enum CodingKeys: String, CodingKey { case type }
    }
    let reused = JSONEncoder.sorted
    Benchmark("control peer: reused sorted JSONEncoder ×1") { benchmark in
        blackHole(try? reused.encode(Framed(event: presence)))
    }
    let n = 1000
    let outbounds = (0..<n).map { _ in Outbound() }
    let batch = Box([ByteBuffer]())
    // Encode once, queue the same bytes to 1000 connections (no copies).
    Benchmark("control: broadcast encode once + sendControl to 1000 ×1") { benchmark async in
        benchmark.startMeasurement()
        let bytes = encoder.encode(presence)
        for o in outbounds { o.sendControl(bytes) }
        benchmark.stopMeasurement()
        for o in outbounds {
            batch.value.removeAll(keepingCapacity: true)
            _ = await o.next(into: &batch.value)
        }
    }
    // Peer: encode per recipient (what "encoded once" avoids).
    Benchmark("control peer: encode per recipient + sendControl to 1000 ×1") { benchmark async in
        benchmark.startMeasurement()
        for o in outbounds { o.sendControl(encoder.encode(presence)) }
        benchmark.stopMeasurement()
        for o in outbounds {
            batch.value.removeAll(keepingCapacity: true)
            _ = await o.next(into: &batch.value)
        }
    }
}
