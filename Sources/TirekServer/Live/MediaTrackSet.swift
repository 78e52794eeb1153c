import TirekProtocol

/// A set of media tracks as a bit mask: what the per-frame fan-out path tests and returns for every
/// subscriber, so it costs no hashing, no allocation and no reference counting (a `Set` does all three).
@_spi(Benchmarks) public struct MediaTrackSet: Equatable, Sendable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var bits: UInt8 = 0

    public init() {}

    public init(arrayLiteral tracks: MediaTrack...) {
        for track in tracks { insert(track) }
    }

    private static func bit(_ track: MediaTrack) -> UInt8 { 1 << track.rawValue }

    public var isEmpty: Bool { bits == 0 }

    public func contains(_ track: MediaTrack) -> Bool { bits & Self.bit(track) != 0 }

    /// Adds `track`; true when it was not in the set.
    @discardableResult
    public mutating func insert(_ track: MediaTrack) -> Bool {
        defer { bits |= Self.bit(track) }
        return !contains(track)
    }

    /// Removes `track`; true when it was in the set.
    @discardableResult
    public mutating func remove(_ track: MediaTrack) -> Bool {
        defer { bits &= ~Self.bit(track) }
        return contains(track)
    }

    public mutating func formUnion(_ other: MediaTrackSet) { bits |= other.bits }

    public func makeIterator() -> some IteratorProtocol<MediaTrack> {
        MediaTrack.allCases.lazy.filter { self.contains($0) }.makeIterator()
    }

    public var description: String { "[" + map(\.description).joined(separator: ", ") + "]" }
}
