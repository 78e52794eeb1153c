import Foundation
import Testing
@testable import TirekMedia

/// Root-mean-square of Int16 samples.
func rms(_ s: ArraySlice<Int16>) -> Double {
    guard !s.isEmpty else { return 0 }
    return (s.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(s.count)).squareRoot()
}

/// Goertzel power of `frequency` in mono samples at 48 kHz (normalised by length).
func tonePower(_ s: ArraySlice<Int16>, frequency: Double) -> Double {
    let k = 2 * cos(2 * Double.pi * frequency / 48_000)
    var s1 = 0.0, s2 = 0.0
    for x in s {
        let s0 = Double(x) + k * s1 - s2
        s2 = s1
        s1 = s0
    }
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / Double(s.count * s.count)
}

@Suite struct OpusTests {
    @Test func monoToneRoundTripKeepsEnergyAndPitch() throws {
        let tone = ToneGenerator(frequency: 440, amplitude: 0.3)
        let encoder = try OpusEncoder(channels: 1, bitrate: 32_000)
        let decoder = try OpusDecoder(channels: 1)
        var input: [Int16] = [], output: [Int16] = []
        for i in 0..<50 {
            let pcm = tone.frame(i)
            #expect(pcm.count == 960)
            let packet = try encoder.encode(pcm)
            #expect(!packet.isEmpty && packet.count < 1275)
            #expect(try OpusDecoder.sampleCount(of: packet) == 960)
            let decoded = try decoder.decode(packet)
            #expect(decoded.count == 960)
            input += pcm
            output += decoded
        }
        // Skip the first 200 ms (encoder delay and warm-up).
        let inRMS = rms(input[9_600...]), outRMS = rms(output[9_600...])
        #expect(inRMS > 6_000)
        let ratio = outRMS / inRMS
        #expect(ratio > 0.7 && ratio < 1.3, "decoded/input RMS ratio \(ratio)")
        // The energy is at 440 Hz, not somewhere else.
        let at440 = tonePower(output[9_600...], frequency: 440)
        let at1000 = tonePower(output[9_600...], frequency: 1_000)
        #expect(at440 > 100 * at1000)
    }

    @Test func stereoFramesAreInterleaved() throws {
        let tone = ToneGenerator(frequency: 1_000, amplitude: 0.5, channels: 2)
        let encoder = try OpusEncoder(channels: 2, bitrate: 64_000, application: .audio)
        let decoder = try OpusDecoder(channels: 2)
        #expect(encoder.samplesPerFrame == 1_920)
        var last: [Int16] = []
        for i in 0..<20 {
            let pcm = tone.frame(i)
            #expect(pcm.count == 1_920)
            last = try decoder.decode(try encoder.encode(pcm))
            #expect(last.count == 1_920)
        }
        let left = last.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let right = last.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(rms(left[...]) > 8_000)
        #expect(abs(rms(left[...]) - rms(right[...])) < 0.1 * rms(left[...]))
    }

    @Test func bitrateSetterChangesPacketSize() throws {
        let tone = ToneGenerator(frequency: 300, amplitude: 0.4)
        let encoder = try OpusEncoder(channels: 1, bitrate: 12_000, application: .audio)
        #expect(encoder.bitrate == 12_000)
        var small = 0
        for i in 0..<25 { small += try encoder.encode(tone.frame(i)).count }
        try encoder.setBitrate(96_000)
        #expect(encoder.bitrate == 96_000)
        var large = 0
        for i in 25..<50 { large += try encoder.encode(tone.frame(i)).count }
        #expect(large > 3 * small, "12 kbps: \(small) bytes, 96 kbps: \(large) bytes")
        // 96 kbit/s over 0.5 s is ~6000 bytes.
        #expect(large > 4_000 && large < 8_000)
    }

    @Test func encoderLookaheadIsTheStandardPreSkip() throws {
        #expect(try OpusEncoder().lookahead == 312)
    }

    @Test func invalidInputsThrowTypedErrors() throws {
        #expect(throws: OpusError.self) { try OpusEncoder(channels: 3) }
        let encoder = try OpusEncoder()
        do {
            _ = try encoder.encode([Int16](repeating: 0, count: 100))
            Issue.record("short frame accepted")
        } catch {
            #expect(error.code == -1)
        }
        do {
            try encoder.setBitrate(-5)
            Issue.record("negative bitrate accepted")
        } catch {
            #expect(error == .codec(operation: .setBitrate, code: -1))
        }
        let decoder = try OpusDecoder()
        #expect(throws: OpusError.self) { try decoder.decode([]) }
    }

    @Test func corruptPacketIsAnErrorNotACrash() throws {
        let decoder = try OpusDecoder()
        // TOC code 3 (arbitrary frame count) with a frame count byte of 0 is invalid.
        do {
            _ = try decoder.decode([0x03, 0x00])
            Issue.record("invalid packet decoded")
        } catch {
            #expect(error.code == -4)  // OPUS_INVALID_PACKET
            #expect(error.description.contains("corrupted"))
        }
        // The decoder still works afterwards.
        let packet = try OpusEncoder().encode(ToneGenerator().frame(0))
        #expect(try decoder.decode(packet).count == 960)
    }

    @Test func lossConcealmentProducesAFrame() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        for i in 0..<5 { _ = try decoder.decode(try encoder.encode(ToneGenerator().frame(i))) }
        #expect(try decoder.decodeLoss().count == 960)
        #expect(throws: OpusError.self) { try decoder.decodeLoss(samplesPerChannel: 7) }
    }
}
