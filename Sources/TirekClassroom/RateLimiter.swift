import TirekCore

/// A token bucket per key, computed exactly in milliseconds (GCRA form): `capacity` messages
/// at once, refilled at `capacity` per `window` (one token every `window / capacity`).
/// With 5 per 10 s: five messages at once, then one more every 2 s.
public struct RateLimiter<Key: Hashable & Sendable>: Sendable, Equatable {
    public let capacity: Int
    public let window: Millis
    /// Per key, the instant at which the bucket is full again ("theoretical arrival time").
    private var fullAt: [Key: Instant] = [:]

    public init(capacity: Int, window: Millis) {
        precondition(capacity > 0 && window.value > 0)
        self.capacity = capacity
        self.window = window
    }

    private var interval: Millis { Millis(window.value / Int64(capacity)) }
    private var tolerance: Millis { Millis(interval.value * Int64(capacity - 1)) }

    /// How long `key` must wait at `at` before its next message is allowed; nil if allowed now.
    public func retryAfter(_ key: Key, at: Instant) -> Millis? {
        guard let full = fullAt[key] else { return nil }
        let allowedAt = full - tolerance
        return allowedAt > at ? allowedAt - at : nil
    }

    /// Takes one token; returns the wait instead (and takes nothing) when the bucket is empty.
    public mutating func take(_ key: Key, at: Instant) -> Millis? {
        if let wait = retryAfter(key, at: at) { return wait }
        let base = max(fullAt[key] ?? at, at)
        fullAt[key] = base + interval
        return nil
    }

    /// Forgets keys whose bucket is full again at `at` (housekeeping).
    public mutating func prune(at: Instant) {
        fullAt = fullAt.filter { $0.value > at }
    }
}
