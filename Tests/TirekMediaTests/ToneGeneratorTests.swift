import Testing
@testable import TirekMedia

@Suite struct ToneGeneratorTests {
    @Test func framesAreContinuousAndDeterministic() {
        let tone = ToneGenerator(frequency: 440, amplitude: 0.5)
        let joined = tone.frame(0) + tone.frame(1)
        #expect(joined == tone.samples(from: 0, count: 1_920))
        #expect(tone.frame(7) == ToneGenerator(frequency: 440, amplitude: 0.5).frame(7))
        let peak = joined.map { abs(Int($0)) }.max() ?? 0
        #expect(peak > 16_000 && peak <= 16_384)
        #expect(joined[0] == 0)
    }

    @Test func stereoDuplicatesChannels() {
        let frame = ToneGenerator(channels: 2).frame(3)
        #expect(frame.count == 1_920)
        for i in stride(from: 0, to: frame.count, by: 2) { #expect(frame[i] == frame[i + 1]) }
    }
}
