import Testing
@testable import TirekMedia

@Suite struct FrameTests {
    @Test func planesHaveI420Sizes() throws {
        let f = I420Frame(width: 7, height: 5)
        #expect(f.y.count == 35 && f.u.count == 12 && f.v.count == 12)
        #expect(f.byteCount == 59)
        #expect(I420Frame(width: 4, height: 2, y: [UInt8](repeating: 0, count: 8), u: [1, 2], v: [3, 4]) != nil)
        #expect(I420Frame(width: 4, height: 2, y: [UInt8](repeating: 0, count: 8), u: [1], v: [3, 4]) == nil)
        #expect(I420Frame(width: 0, height: 2, y: [], u: [], v: []) == nil)
    }

    @Test func downscaleDimensions() {
        let f = TestPattern(width: 640, height: 360).frame(5)
        for (w, h) in [(320, 180), (160, 90), (213, 120), (1, 1), (641, 361)] {
            let d = f.downscaled(toWidth: w, height: h)
            #expect(d.width == w && d.height == h)
            #expect(d.y.count == w * h)
            #expect(d.u.count == ((w + 1) / 2) * ((h + 1) / 2))
            #expect(d.v.count == d.u.count)
        }
        #expect(f.downscaled(toWidth: 0, height: -3).width == 1)
        #expect(f.downscaled(toWidth: 640, height: 360) == f)
    }

    @Test func downscaleAveragesBoxes() throws {
        // 4x2 luma: two 2x2 boxes with means 2.5 → 3 (rounded) and 100.
        let src = try #require(I420Frame(width: 4, height: 2,
                                         y: [1, 2, 100, 100,
                                             3, 4, 100, 100],
                                         u: [10, 30], v: [200, 100]))
        let d = src.downscaled(toWidth: 2, height: 1)
        #expect(d.y == [3, 100])
        #expect(d.u == [20])
        #expect(d.v == [150])
        // A uniform frame stays uniform at any size.
        let grey = I420Frame(width: 37, height: 23, y: 77, u: 90, v: 160)
        let g = grey.downscaled(toWidth: 10, height: 7)
        #expect(Set(g.y) == [77] && Set(g.u) == [90] && Set(g.v) == [160])
        // Halving the test pattern keeps the bar colours.
        let pattern = TestPattern(width: 320, height: 240)
        let half = pattern.frame(0).downscaled(toWidth: 160, height: 120)
        #expect(pattern.boxOrigin(0).x == 0 && pattern.boxOrigin(0).y == 0)
        #expect(half.y[0] == 235)                    // the box sits at the top-left in frame 0
        #expect(half.y[60 * 160] == 180)             // white bar
        #expect(half.y[60 * 160 + 30] == 162)        // yellow bar
        #expect(half.y[60 * 160 + 159] == 16)        // black bar
    }

    @Test func testPatternIsDeterministicAndMoves() {
        let p = TestPattern(width: 320, height: 240)
        #expect(p.frame(12) == TestPattern(width: 320, height: 240).frame(12))
        #expect(p.frame(12) != p.frame(13))
        #expect(p.boxOrigin(0) != p.boxOrigin(10))
        let f = p.frame(0)
        #expect(f.y.allSatisfy { (16...235).contains($0) })
        #expect(f.u.allSatisfy { (16...240).contains($0) })
    }

    @Test func noisyPatternIsDeterministicAndKeepsTheCounter() {
        let noisy = TestPattern(width: 128, height: 96, noise: 20)
        let clean = TestPattern(width: 128, height: 96)
        #expect(noisy.frame(9) == TestPattern(width: 128, height: 96, noise: 20).frame(9))
        #expect(noisy.frame(9) != clean.frame(9))
        #expect(noisy.frame(9).u == clean.frame(9).u)
        let diffs = zip(noisy.frame(9).y, clean.frame(9).y).map { abs(Int($0) - Int($1)) }
        #expect(diffs.max() ?? 0 <= 20)
        #expect(Double(diffs.reduce(0, +)) / Double(diffs.count) > 5)  // really noisy
        for i in [0, 77, 1_000] { #expect(noisy.readFrameCounter(from: noisy.frame(i)) == i) }
    }

    @Test func frameCounterReadsBack() {
        let p = TestPattern(width: 64, height: 48)
        for i in [0, 1, 2, 255, 256, 4_321, 65_535] { #expect(p.readFrameCounter(from: p.frame(i)) == i) }
        #expect(p.readFrameCounter(from: p.frame(65_536)) == 0)   // wraps at 16 bits
        #expect(p.readFrameCounter(from: I420Frame(width: 32, height: 48)) == nil)
        #expect(TestPattern(width: 16, height: 16).readFrameCounter(from: TestPattern(width: 16, height: 16).frame(1)) == nil)
    }

    @Test func psnr() {
        let a = I420Frame(width: 4, height: 4, y: 100)
        var b = a
        #expect(a.lumaPSNR(against: b) == .infinity)
        b.y[0] = 116  // MSE 16 → 10·log10(65025/16) ≈ 36.09 dB
        #expect(abs((a.lumaPSNR(against: b) ?? 0) - 36.089) < 0.01)
        #expect(a.lumaPSNR(against: I420Frame(width: 2, height: 2)) == nil)
    }
}
