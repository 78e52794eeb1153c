import TirekCore

/// A set of instants kept as sorted, disjoint, non-adjacent half-open intervals.
///
/// This is the arithmetic behind every attendance figure: a participant's online time is the
/// union of their connections, intersected with the intervals in which the lesson was running.
/// Adjacent intervals (`[a, b)` and `[b, c)`) merge, so a session split into reconnects with
/// no gap is the same set as the unbroken session.
public struct IntervalSet: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Sorted by start; every interval non-empty; `intervals[i].end < intervals[i+1].start`.
    public private(set) var intervals: [Interval]

    enum CodingKeys: String, CodingKey {
        case intervals
    }

    public static let empty = IntervalSet()

    public init() { intervals = [] }

    /// The union of any intervals, in any order, overlapping or not; empty ones are dropped.
    public init(_ intervals: some Sequence<Interval>) {
        let sorted = intervals.filter { !$0.isEmpty }.sorted { $0.start < $1.start }
        var merged: [Interval] = []
        merged.reserveCapacity(sorted.count)
        for interval in sorted {
            if let last = merged.last, interval.start <= last.end {
                if interval.end > last.end { merged[merged.count - 1].end = interval.end }
            } else {
                merged.append(interval)
            }
        }
        self.intervals = merged
    }

    public init(_ interval: Interval) { self.init([interval]) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try container.decode([Interval].self, forKey: .intervals))
    }

    public var isEmpty: Bool { intervals.isEmpty }

    /// Total length of all intervals.
    public var duration: Millis { intervals.reduce(Millis.zero) { $0 + $1.duration } }

    public var first: Instant? { intervals.first?.start }
    public var last: Instant? { intervals.last?.end }

    public func contains(_ instant: Instant) -> Bool {
        // Binary search for the last interval starting at or before `instant`.
        var low = 0
        var high = intervals.count
        while low < high {
            let mid = (low + high) / 2
            if intervals[mid].start <= instant { low = mid + 1 } else { high = mid }
        }
        return low > 0 && intervals[low - 1].contains(instant)
    }

    public func union(_ other: IntervalSet) -> IntervalSet {
        if other.isEmpty { return self }
        if isEmpty { return other }
        return IntervalSet(intervals + other.intervals)
    }

    public mutating func formUnion(_ other: IntervalSet) { self = union(other) }

    public mutating func insert(_ interval: Interval) { self = union(IntervalSet(interval)) }

    public func intersection(_ other: IntervalSet) -> IntervalSet {
        var result: [Interval] = []
        var i = 0
        var j = 0
        while i < intervals.count && j < other.intervals.count {
            let a = intervals[i]
            let b = other.intervals[j]
            let start = max(a.start, b.start)
            let end = min(a.end, b.end)
            if start < end { result.append(Interval(start, end)) }
            if a.end < b.end { i += 1 } else { j += 1 }
        }
        // Pieces of disjoint, non-adjacent inputs are themselves disjoint and non-adjacent.
        var set = IntervalSet()
        set.intervals = result
        return set
    }

    public func intersection(_ interval: Interval) -> IntervalSet { intersection(IntervalSet(interval)) }

    /// The instants in `self` that are not in `other`.
    public func subtracting(_ other: IntervalSet) -> IntervalSet {
        var result: [Interval] = []
        var j = 0
        for interval in intervals {
            var start = interval.start
            while j < other.intervals.count && other.intervals[j].end <= start { j += 1 }
            var k = j
            while k < other.intervals.count && other.intervals[k].start < interval.end {
                let hole = other.intervals[k]
                if hole.start > start { result.append(Interval(start, hole.start)) }
                start = max(start, hole.end)
                k += 1
            }
            if start < interval.end { result.append(Interval(start, interval.end)) }
        }
        var set = IntervalSet()
        set.intervals = result
        return set
    }

    /// The instants of `window` not in `self`: the gaps.
    public func complement(within window: Interval) -> IntervalSet {
        IntervalSet(window).subtracting(self)
    }

    /// The same set with every gap of at most `gap` filled in (for counting reconnects
    /// within a grace period as one session). `gap <= 0` changes nothing.
    public func bridgingGaps(upTo gap: Millis) -> IntervalSet {
        guard gap > .zero, !intervals.isEmpty else { return self }
        var merged: [Interval] = [intervals[0]]
        for interval in intervals.dropFirst() {
            if interval.start - merged[merged.count - 1].end <= gap {
                merged[merged.count - 1].end = interval.end
            } else {
                merged.append(interval)
            }
        }
        var set = IntervalSet()
        set.intervals = merged
        return set
    }

    public var description: String {
        "{" + intervals.map(\.description).joined(separator: ", ") + "}"
    }
}
