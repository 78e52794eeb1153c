import TirekCore

/// A half-open span of time `[start, end)`. Empty when `end <= start`.
public struct Interval: Hashable, Codable, Sendable, CustomStringConvertible {
    public var start: Instant
    public var end: Instant

    enum CodingKeys: String, CodingKey {
        case start
        case end
    }

    public init(_ start: Instant, _ end: Instant) {
        self.start = start
        self.end = end
    }

    public init(start: Instant, end: Instant) {
        self.init(start, end)
    }

    public var isEmpty: Bool { end <= start }

    /// Length in milliseconds; zero when empty.
    public var duration: Millis { isEmpty ? .zero : end - start }

    public func contains(_ instant: Instant) -> Bool { start <= instant && instant < end }

    public var description: String { "[\(start.millis), \(end.millis))" }
}

extension Instant {
    /// Stand-ins for "unbounded" used inside the module. Far enough from Int64's ends that
    /// subtracting two of them never overflows.
    static let distantPast = Instant(millis: -(1 << 61))
    static let distantFuture = Instant(millis: 1 << 61)
}
