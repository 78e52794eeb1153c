import CQRencode

/// A QR code symbol (through libqrencode), rendered as SVG so a school can print a classroom's
/// join link or show it on screen for students to scan.
public struct QRCode: Sendable, Equatable {
    public enum Failure: Error, Equatable {
        /// The text does not fit in any QR version at this error-correction level.
        case tooLong
    }

    /// Modules per side (21 for version 1, +4 per version).
    public let width: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    /// Encodes `text` (8-bit mode) with error-correction level M (15 % of the symbol may be damaged).
    public init(_ text: String) throws(Failure) {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { throw .tooLong }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        self.width = width
        // Bit 0 of each byte is the module's colour; the other bits are libqrencode's bookkeeping.
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * width + x] }

    /// An SVG with a 4-module quiet zone; each dark module is one unit square of a single path.
    public func svg(moduleSize: Int = 8) -> String {
        let side = width + 8
        var path = ""
        for y in 0..<width {
            var x = 0
            while x < width {
                guard isDark(x: x, y: y) else { x += 1; continue }
                var run = 1
                while x + run < width && isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + 4) \(y + 4)h\(run)v1h-\(run)z"
                x += run
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(side * moduleSize)" height="\(side * moduleSize)" shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
