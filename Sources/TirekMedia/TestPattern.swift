/// A deterministic synthetic video source: 75 % colour bars, a white box that
/// bounces around, and a frame-counter strip along the bottom that encodes the
/// frame index (16 bits, most significant first, white = 1) so a receiver can
/// tell which frame it decoded (`readFrameCounter`). Frame `n` depends only on
/// the size, the noise level and `n`. Values are BT.601 video range.
///
/// The clean pattern is very cheap to code (VP8 reaches its best quantizer near
/// 120 kbit/s at 320×240); set `noise` to add deterministic luma grain so the
/// encoder really spends its bitrate, e.g. for a realistic load generator.
public struct TestPattern: Sendable {
    public let width: Int
    public let height: Int
    /// Peak amplitude of the luma grain added to every frame (0 = none).
    public let noise: Int
    /// Number of bits in the counter strip; indices wrap modulo 2^16.
    public static let counterBits = 16

    /// BT.601 video-range YUV for the 75 % bars: white, yellow, cyan, green,
    /// magenta, red, blue, black.
    static let bars: [(UInt8, UInt8, UInt8)] = [
        (180, 128, 128), (162, 44, 142), (131, 156, 44), (112, 72, 58),
        (84, 184, 198), (65, 100, 212), (35, 212, 114), (16, 128, 128),
    ]

    private let barRowY: [UInt8]
    private let barRowU: [UInt8]
    private let barRowV: [UInt8]

    /// Dimensions are clamped to at least 2; `noise` to 0…60.
    public init(width: Int, height: Int, noise: Int = 0) {
        let w = max(2, width), h = max(2, height)
        self.width = w
        self.height = h
        self.noise = min(60, max(0, noise))
        barRowY = (0..<w).map { Self.bars[$0 * 8 / w].0 }
        let cw = (w + 1) / 2
        barRowU = (0..<cw).map { Self.bars[min(7, $0 * 2 * 8 / w)].1 }
        barRowV = (0..<cw).map { Self.bars[min(7, $0 * 2 * 8 / w)].2 }
    }

    /// Rows taken by the counter strip at the bottom (even, at least 4, about 1/8 of the height).
    public var counterHeight: Int { min(height, max(4, (height / 8) & ~1)) }
    /// Side of the moving box (even, about 1/6 of the smaller dimension).
    public var boxSize: Int { max(2, (min(width, height - counterHeight) / 6) & ~1) }

    /// Top-left corner of the moving box in frame `index`.
    public func boxOrigin(_ index: Int) -> (x: Int, y: Int) {
        let barsHeight = height - counterHeight
        return (Self.bounce(index * 4, span: max(0, width - boxSize)),
                Self.bounce(index * 3, span: max(0, barsHeight - boxSize)))
    }

    /// Frame number `index` (any integer ≥ 0).
    public func frame(_ index: Int) -> I420Frame {
        var f = I420Frame(width: width, height: height)
        let cw = f.chromaWidth, ch = f.chromaHeight
        for row in 0..<height { f.y.replaceSubrange(row * width..<(row + 1) * width, with: barRowY) }
        for row in 0..<ch {
            f.u.replaceSubrange(row * cw..<(row + 1) * cw, with: barRowU)
            f.v.replaceSubrange(row * cw..<(row + 1) * cw, with: barRowV)
        }
        // Moving box: white, neutral chroma.
        let (bx, by) = boxOrigin(max(0, index))
        let side = boxSize
        fill(&f, x: bx, y: by, w: side, h: side, luma: 235)
        // Counter strip: black background, white cells for 1 bits.
        let top = height - counterHeight
        fill(&f, x: 0, y: top, w: width, h: counterHeight, luma: 16)
        let value = UInt32(truncatingIfNeeded: index) & 0xffff
        for bit in 0..<Self.counterBits where value >> UInt32(Self.counterBits - 1 - bit) & 1 == 1 {
            let (x0, x1) = cell(bit)
            fill(&f, x: x0, y: top, w: x1 - x0, h: counterHeight, luma: 235)
        }
        if noise > 0 { addGrain(&f.y, index: index) }
        return f
    }

    /// Adds uniform grain in -noise…noise from a per-frame xorshift sequence, clamped to 16…235.
    private func addGrain(_ plane: inout [UInt8], index: Int) {
        var state = UInt64(truncatingIfNeeded: index) &* 0x9e37_79b9_7f4a_7c15 | 1
        let span = UInt64(2 * noise + 1)
        plane.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                let v = Int(p[i]) + Int((state >> 32) % span) - noise
                p[i] = UInt8(min(235, max(16, v)))
            }
        }
    }

    /// Reads the frame counter back from a (possibly lossy) decoded frame of this
    /// pattern's size. `nil` when the frame has another size or is too small to carry it
    /// (width under 32 or height under 8).
    public func readFrameCounter(from frame: I420Frame) -> Int? {
        guard frame.width == width, frame.height == height, width >= 32, height >= 8 else { return nil }
        let top = height - counterHeight
        let y0 = top + counterHeight / 4, y1 = max(y0 + 1, top + counterHeight * 3 / 4)
        var value = 0
        for bit in 0..<Self.counterBits {
            let (cx0, cx1) = cell(bit)
            let quarter = (cx1 - cx0) / 4
            let x0 = cx0 + quarter, x1 = max(x0 + 1, cx1 - quarter)
            var sum = 0
            for row in y0..<y1 { for col in x0..<x1 { sum += Int(frame.y[row * width + col]) } }
            let mean = sum / ((y1 - y0) * (x1 - x0))
            value = value << 1 | (mean > 125 ? 1 : 0)
        }
        return value
    }

    private func cell(_ bit: Int) -> (Int, Int) {
        (bit * width / Self.counterBits, (bit + 1) * width / Self.counterBits)
    }

    /// Fills a luma rectangle and the chroma covering it (neutral grey).
    private func fill(_ f: inout I420Frame, x: Int, y: Int, w: Int, h: Int, luma: UInt8) {
        guard w > 0, h > 0 else { return }
        for row in y..<min(height, y + h) {
            for col in x..<min(width, x + w) { f.y[row * width + col] = luma }
        }
        let cw = f.chromaWidth
        for row in (y / 2)..<min(f.chromaHeight, (y + h + 1) / 2) {
            for col in (x / 2)..<min(cw, (x + w + 1) / 2) {
                f.u[row * cw + col] = 128
                f.v[row * cw + col] = 128
            }
        }
    }

    /// Triangle wave 0 → span → 0 with period 2·span.
    static func bounce(_ t: Int, span: Int) -> Int {
        guard span > 0 else { return 0 }
        let p = t % (2 * span)
        return p <= span ? p : 2 * span - p
    }
}
