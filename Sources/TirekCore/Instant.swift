/// A point in time: milliseconds since the Unix epoch (UTC). The core never reads a clock;
/// every event carries the instant it happened at, so every rule is testable without sleeps.
public struct Instant: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var millis: Int64

    public init(millis: Int64) { self.millis = millis }
    public static func seconds(_ s: Int64) -> Instant { Instant(millis: s * 1000) }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.millis < rhs.millis }
    public static func + (lhs: Instant, rhs: Millis) -> Instant { Instant(millis: lhs.millis + rhs.value) }
    public static func - (lhs: Instant, rhs: Millis) -> Instant { Instant(millis: lhs.millis - rhs.value) }
    public static func - (lhs: Instant, rhs: Instant) -> Millis { Millis(lhs.millis - rhs.millis) }

    public init(from decoder: any Decoder) throws {
        millis = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(millis)
    }
    public var description: String { "@\(millis)ms" }
}

/// A span of time in milliseconds (signed).
public struct Millis: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var value: Int64
    public init(_ value: Int64) { self.value = value }
    public static func seconds(_ s: Int64) -> Millis { Millis(s * 1000) }
    public static func minutes(_ m: Int64) -> Millis { Millis(m * 60_000) }
    public static let zero = Millis(0)

    public static func < (lhs: Millis, rhs: Millis) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Millis, rhs: Millis) -> Millis { Millis(lhs.value + rhs.value) }
    public static func - (lhs: Millis, rhs: Millis) -> Millis { Millis(lhs.value - rhs.value) }
    public static func += (lhs: inout Millis, rhs: Millis) { lhs.value += rhs.value }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
    public var description: String { "\(value)ms" }
}

/// The source of "now" for the I/O layers. The core itself takes instants as event fields.
public protocol WallClock: Sendable {
    func now() -> Instant
}
