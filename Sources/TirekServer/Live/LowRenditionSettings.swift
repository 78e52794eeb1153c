/// Size and bitrate of the server's low-bandwidth rendition of the camera (`camera_low`), set by
/// `tirek serve --low-rendition WxH@KBPS` (or `off`).
public struct LowRenditionSettings: Sendable, Equatable {
    public var maxWidth = 320
    public var maxHeight = 180
    public var bitrateKbps = 150
    var framesPerSecond = 30
    /// libvpx `cpu-used` (negative: fixed speed; see `VP8Encoder.Settings`).
    var cpuUsed = -12
    /// Camera frames to encode that may wait; one more and input restarts at the next keyframe.
    var queueCapacity = 15
    /// At most one forced keyframe (requested, or following a source keyframe) per this many ns.
    var keyframeIntervalNanos: UInt64 = 1_000_000_000
    /// libvpx's own keyframe distance in frames, a safety net if no keyframe is asked for.
    var encoderKeyframeInterval = 300

    public init() {}

    /// Bounds a setting must stay within (libvpx needs even sizes; below 16 px or 30 kbit/s nothing
    /// useful is left, above 1280×720 or 2000 kbit/s it is no longer a low-bandwidth rendition).
    public static let widths = 16...1280
    public static let heights = 16...720
    public static let bitrates = 30...2000

    /// Parses `WxH@KBPS` (e.g. `320x180@150`); `off` is nil with no error. Throws a message naming
    /// the bounds on anything else.
    public static func parse(_ text: String) throws(ParseError) -> LowRenditionSettings? {
        if text.lowercased() == "off" { return nil }
        let parts = text.lowercased().split(separator: "@")
        let size = parts.first?.split(separator: "x") ?? []
        guard parts.count == 2, size.count == 2, let w = Int(size[0]), let h = Int(size[1]), let kbps = Int(parts[1]),
              widths.contains(w), heights.contains(h), bitrates.contains(kbps), w % 2 == 0, h % 2 == 0 else {
            throw ParseError(text: text)
        }
        var settings = LowRenditionSettings()
        settings.maxWidth = w
        settings.maxHeight = h
        settings.bitrateKbps = kbps
        return settings
    }

    public struct ParseError: Error, CustomStringConvertible {
        let text: String
        public var description: String {
            "low rendition '\(text)': expected off or WIDTHxHEIGHT@KBPS, e.g. 320x180@150 (even sizes, "
                + "width \(widths.lowerBound)–\(widths.upperBound), height \(heights.lowerBound)–\(heights.upperBound), "
                + "\(bitrates.lowerBound)–\(bitrates.upperBound) kbit/s)"
        }
    }
}
