import Testing
@testable import TirekMedia

@Suite struct VP8Tests {
    static let width = 320, height = 240

    /// Encodes `count` test-pattern frames, forcing keyframes at `forced`.
    static func encode(count: Int, kbps: Int = 600, keyframeInterval: Int = 0, forced: Set<Int> = [],
                       width: Int = width, height: Int = height) throws -> (TestPattern, [EncodedChunk]) {
        let pattern = TestPattern(width: width, height: height)
        let encoder = try VP8Encoder(width: width, height: height, bitrateKbps: kbps, framesPerSecond: 30,
                                     keyframeInterval: keyframeInterval)
        var chunks: [EncodedChunk] = []
        for i in 0..<count {
            let out = try encoder.encode(pattern.frame(i), frameIndex: i, forceKeyframe: forced.contains(i))
            #expect(out.count == 1, "frame \(i) gave \(out.count) chunks")
            chunks += out
        }
        chunks += try encoder.flush()
        return (pattern, chunks)
    }

    @Test func roundTripKeyframesSizeAndQuality() throws {
        let (pattern, chunks) = try Self.encode(count: 45, forced: [30])
        #expect(chunks.count == 45)
        #expect(chunks[0].isKeyframe)
        #expect(chunks[30].isKeyframe, "forced keyframe not flagged")
        #expect(chunks[1...29].allSatisfy { !$0.isKeyframe })
        #expect(chunks[31...].allSatisfy { !$0.isKeyframe })
        #expect(chunks.map(\.timestampMicros) == (0..<45).map { Int64($0) * 1_000_000 / 30 })

        let decoder = try VP8Decoder()
        var worst = Double.infinity
        for (i, chunk) in chunks.enumerated() {
            let frame = try #require(try decoder.decode(chunk.bytes))
            #expect(frame.width == Self.width && frame.height == Self.height)
            #expect(frame.u.count == 160 * 120 && frame.v.count == 160 * 120)
            let psnr = try #require(frame.lumaPSNR(against: pattern.frame(i)))
            worst = min(worst, psnr)
            #expect(pattern.readFrameCounter(from: frame) == i)
        }
        #expect(worst > 25, "worst luma PSNR \(worst) dB")
    }

    @Test(arguments: [200, 800])
    func bitrateIsHonouredOnHardContent(kbps: Int) throws {
        // The clean test pattern is too easy (it reaches the best quantizer at ~120 kbit/s),
        // so add grain to give rate control something to do.
        let pattern = TestPattern(width: 320, height: 240, noise: 20)
        let encoder = try VP8Encoder(width: 320, height: 240, bitrateKbps: kbps)
        var bytes = 0
        for i in 0..<90 {
            let chunks = try encoder.encode(pattern.frame(i), frameIndex: i)
            if i >= 30 { bytes += chunks.reduce(0) { $0 + $1.bytes.count } }
        }
        let measured = Double(bytes * 8) / 2 / 1000  // frames 30..<90 are two seconds
        #expect(abs(measured - Double(kbps)) < 0.25 * Double(kbps), "target \(kbps) kbit/s, got \(measured)")
    }

    @Test func keyframeIntervalIsRespected() throws {
        let (_, chunks) = try Self.encode(count: 31, keyframeInterval: 10)
        let keys = chunks.enumerated().filter { $0.element.isKeyframe }.map(\.offset)
        #expect(keys.first == 0)
        #expect(keys.count >= 3)
        for (a, b) in zip(keys, keys.dropFirst()) { #expect(b - a <= 10) }
    }

    @Test func lateJoinerDecodesFromALaterKeyframe() throws {
        let (pattern, chunks) = try Self.encode(count: 40, forced: [20])
        let decoder = try VP8Decoder()
        // Starting at a delta frame is refused…
        #expect(throws: VP8Error.self) { try decoder.decode(chunks[10].bytes) }
        // …starting at the keyframe works, and so does everything after it.
        for i in 20..<40 {
            let frame = try #require(try decoder.decode(chunks[i].bytes))
            #expect(pattern.readFrameCounter(from: frame) == i)
            #expect((frame.lumaPSNR(against: pattern.frame(i)) ?? 0) > 25)
        }
    }

    @Test func corruptDataIsAnErrorNotACrash() throws {
        let (_, chunks) = try Self.encode(count: 3)
        let key = chunks[0].bytes

        let fresh = try VP8Decoder()
        // Random bytes that look like neither a keyframe nor a decodable delta frame.
        var rng = SplitMix(seed: 7)
        let junk = (0..<500).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        #expect(throws: VP8Error.self) { try fresh.decode(junk) }
        // A keyframe cut short.
        do {
            _ = try fresh.decode(Array(key.prefix(key.count / 4)))
            Issue.record("truncated keyframe decoded")
        } catch {
            #expect(error.code == 7, "\(error)")  // VPX_CODEC_CORRUPT_FRAME
        }
        // A keyframe whose start code is broken.
        var badStart = key
        badStart[3] = 0
        #expect(throws: VP8Error.self) { try fresh.decode(badStart) }
        // Empty input.
        #expect(throws: VP8Error.invalidInput("empty frame")) { try fresh.decode([]) }
        // The decoder recovers at the next intact keyframe.
        #expect(try fresh.decode(key) != nil)
        #expect(try fresh.decode(chunks[1].bytes) != nil)
    }

    @Test func encoderRejectsWrongFrameSizeAndBadSettings() throws {
        let encoder = try VP8Encoder(width: 64, height: 48)
        #expect(throws: VP8Error.self) { try encoder.encode(I420Frame(width: 32, height: 48), frameIndex: 0) }
        #expect(throws: VP8Error.self) { try VP8Encoder(width: 0, height: 48) }
        #expect(throws: VP8Error.self) { try VP8Encoder(settings: .init(width: 64, height: 48, cpuUsed: 40)) }
        try encoder.setBitrate(kbps: 100)
        #expect(encoder.bitrateKbps == 100)
        #expect(throws: VP8Error.self) { try encoder.setBitrate(kbps: 0) }
    }

    @Test func oddDimensionsRoundTrip() throws {
        let (_, chunks) = try Self.encode(count: 2, width: 99, height: 61)
        let frame = try #require(try VP8Decoder().decode(chunks[0].bytes))
        #expect(frame.width == 99 && frame.height == 61)
        #expect(frame.u.count == 50 * 31)
    }

    @Test func frameHeaderParsesEncodedChunks() throws {
        let (_, chunks) = try Self.encode(count: 3, width: 176, height: 144)
        let key = try #require(VP8FrameHeader(chunks[0].bytes))
        #expect(key.isKeyframe && key.showFrame)
        #expect(key.width == 176 && key.height == 144)
        let delta = try #require(VP8FrameHeader(chunks[1].bytes))
        #expect(!delta.isKeyframe && delta.width == nil)
        for c in chunks { #expect(VP8FrameHeader(c.bytes)?.isKeyframe == c.isKeyframe) }
        #expect(VP8FrameHeader([0x10, 0x02]) == nil)
        #expect(VP8FrameHeader([0x10, 0x02, 0x00, 0x00, 0x01, 0x2a, 0, 0, 0, 0]) == nil)  // bad start code
    }

    @Test func renditionPipelineDecodeDownscaleReencode() throws {
        let (pattern, chunks) = try Self.encode(count: 10, kbps: 800, width: 640, height: 360)
        let decoder = try VP8Decoder()
        let low = try VP8Encoder(width: 160, height: 90, bitrateKbps: 100)
        let lowDecoder = try VP8Decoder()
        for (i, chunk) in chunks.enumerated() {
            let full = try #require(try decoder.decode(chunk.bytes))
            let small = full.downscaled(toWidth: 160, height: 90)
            for out in try low.encode(small, timestampMicros: chunk.timestampMicros, forceKeyframe: chunk.isKeyframe) {
                #expect(out.timestampMicros == chunk.timestampMicros)
                let decoded = try #require(try lowDecoder.decode(out.bytes))
                let reference = pattern.frame(i).downscaled(toWidth: 160, height: 90)
                #expect((decoded.lumaPSNR(against: reference) ?? 0) > 22)
            }
        }
    }
}

/// Small deterministic PRNG for test data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
