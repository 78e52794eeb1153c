extension I420Frame {
    /// This frame resized by area averaging (a box filter): each output pixel is the
    /// mean of the source pixels its box covers. Meant for downscaling (the
    /// low-bandwidth rendition); upscaling degenerates to nearest neighbour.
    /// Target dimensions are clamped to at least 1.
    public func downscaled(toWidth targetWidth: Int, height targetHeight: Int) -> I420Frame {
        let w = max(1, targetWidth), h = max(1, targetHeight)
        if w == width && h == height { return self }
        var out = I420Frame(width: w, height: h)
        out.y = Self.boxResize(y, width: width, height: height, toWidth: w, height: h)
        out.u = Self.boxResize(u, width: chromaWidth, height: chromaHeight, toWidth: out.chromaWidth, height: out.chromaHeight)
        out.v = Self.boxResize(v, width: chromaWidth, height: chromaHeight, toWidth: out.chromaWidth, height: out.chromaHeight)
        return out
    }

    /// Box-filter resize of one plane. Source box of output column `x` is
    /// `[x*sw/dw, max(that+1, (x+1)*sw/dw))`, and likewise for rows.
    static func boxResize(_ src: [UInt8], width sw: Int, height sh: Int, toWidth dw: Int, height dh: Int) -> [UInt8] {
        let xs = boxBounds(source: sw, destination: dw)
        let ys = boxBounds(source: sh, destination: dh)
        var dst = [UInt8](repeating: 0, count: dw * dh)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                for oy in 0..<dh {
                    let (y0, y1) = ys[oy]
                    for ox in 0..<dw {
                        let (x0, x1) = xs[ox]
                        var sum = 0
                        for sy in y0..<y1 {
                            let row = sy * sw
                            for sx in x0..<x1 { sum &+= Int(s[row + sx]) }
                        }
                        let count = (y1 - y0) * (x1 - x0)
                        d[oy * dw + ox] = UInt8(truncatingIfNeeded: (sum + count / 2) / count)
                    }
                }
            }
        }
        return dst
    }

    private static func boxBounds(source: Int, destination: Int) -> [(Int, Int)] {
        (0..<destination).map { i in
            let start = min(i * source / destination, source - 1)
            let end = max(start + 1, min(source, (i + 1) * source / destination))
            return (start, end)
        }
    }
}
