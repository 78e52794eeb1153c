import Foundation

extension I420Frame {
    /// Peak signal-to-noise ratio of the Y plane against `reference`, in dB
    /// (`.infinity` when identical); `nil` when the dimensions differ.
    /// Handy for test clients checking that decoded video resembles the source.
    public func lumaPSNR(against reference: I420Frame) -> Double? {
        guard width == reference.width, height == reference.height else { return nil }
        var squared = 0
        for i in 0..<y.count {
            let d = Int(y[i]) - Int(reference.y[i])
            squared += d * d
        }
        if squared == 0 { return .infinity }
        let mse = Double(squared) / Double(y.count)
        return 10 * log10(255 * 255 / mse)
    }
}
