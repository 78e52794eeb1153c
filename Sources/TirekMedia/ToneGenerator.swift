import Foundation

/// A deterministic sine-tone source of Int16 PCM at 48 kHz, in 20 ms frames by default.
/// Sample `n` of the stream is `amplitude · sin(2π · frequency · n / 48000)`, the same
/// on every channel; frame `k` starts at sample `k · samplesPerChannel`, so
/// consecutive frames join without a click.
public struct ToneGenerator: Sendable {
    public var frequency: Double
    /// Peak level as a fraction of full scale, 0…1.
    public var amplitude: Double
    public var channels: Int
    public var sampleRate: Int

    public init(frequency: Double = 440, amplitude: Double = 0.3, channels: Int = 1, sampleRate: Int = 48_000) {
        self.frequency = frequency
        self.amplitude = min(1, max(0, amplitude))
        self.channels = max(1, channels)
        self.sampleRate = max(1, sampleRate)
    }

    /// Frame `index` of `samplesPerChannel` samples per channel, interleaved.
    public func frame(_ index: Int, samplesPerChannel: Int = OpusEncoder.samplesPerChannel) -> [Int16] {
        samples(from: index * samplesPerChannel, count: samplesPerChannel)
    }

    /// `count` samples per channel starting at stream sample `start`, interleaved.
    public func samples(from start: Int, count: Int) -> [Int16] {
        var out = [Int16]()
        out.reserveCapacity(max(0, count) * channels)
        let cyclesPerSample = frequency / Double(sampleRate)
        for i in 0..<max(0, count) {
            // Phase reduced to [0, 1) in exact arithmetic where possible to stay precise for long runs.
            let phase = (Double(start + i) * cyclesPerSample).truncatingRemainder(dividingBy: 1)
            let value = Int16((amplitude * 32_767 * sin(2 * Double.pi * phase)).rounded())
            for _ in 0..<channels { out.append(value) }
        }
        return out
    }
}
