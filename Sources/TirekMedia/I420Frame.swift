/// A picture in planar YUV 4:2:0 (I420), tightly packed: the Y plane is
/// `width × height` bytes, U and V are `chromaWidth × chromaHeight` bytes each
/// (half size, rounded up for odd dimensions). Values use the video range of
/// BT.601 (Y 16…235, U/V 16…240), as VP8 expects.
public struct I420Frame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var y: [UInt8]
    public var u: [UInt8]
    public var v: [UInt8]

    public var chromaWidth: Int { (width + 1) / 2 }
    public var chromaHeight: Int { (height + 1) / 2 }

    /// A frame filled with one colour (black by default). Dimensions are clamped to at least 1.
    public init(width: Int, height: Int, y fillY: UInt8 = 16, u fillU: UInt8 = 128, v fillV: UInt8 = 128) {
        let w = max(1, width), h = max(1, height)
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        self.width = w
        self.height = h
        self.y = [UInt8](repeating: fillY, count: w * h)
        self.u = [UInt8](repeating: fillU, count: cw * ch)
        self.v = [UInt8](repeating: fillV, count: cw * ch)
    }

    /// A frame from existing planes; `nil` when a plane's size does not match the dimensions.
    public init?(width: Int, height: Int, y: [UInt8], u: [UInt8], v: [UInt8]) {
        guard width > 0, height > 0 else { return nil }
        let chroma = ((width + 1) / 2) * ((height + 1) / 2)
        guard y.count == width * height, u.count == chroma, v.count == chroma else { return nil }
        self.width = width
        self.height = height
        self.y = y
        self.u = u
        self.v = v
    }

    /// Total bytes in the three planes.
    public var byteCount: Int { y.count + u.count + v.count }
}
