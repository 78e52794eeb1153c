/// A token bucket over an injected time in milliseconds: `capacity` tokens at most, refilled at
/// `perSecond`. Pure, so every limit built on it is testable without sleeping.
struct TokenBucket: Sendable {
    let capacity: Double
    let perSecond: Double
    private(set) var tokens: Double
    private var updatedMs: Int64

    init(capacity: Double, perSecond: Double, now: Int64) {
        self.capacity = capacity
        self.perSecond = perSecond
        tokens = capacity
        updatedMs = now
    }

    /// Milliseconds until one token is available; 0 when one is available now.
    mutating func wait(now: Int64) -> Int64 {
        refill(now: now)
        return tokens >= 1 ? 0 : Int64(((1 - tokens) / perSecond * 1000).rounded(.up))
    }

    /// Takes a token if there is one; otherwise returns how many milliseconds until there is.
    mutating func take(now: Int64) -> Int64? {
        let wait = wait(now: now)
        guard wait == 0 else { return wait }
        tokens -= 1
        return nil
    }

    /// True when the bucket is full again (it can be forgotten without changing any decision).
    mutating func isFull(now: Int64) -> Bool {
        refill(now: now)
        return tokens >= capacity
    }

    private mutating func refill(now: Int64) {
        guard now > updatedMs else { return }
        tokens = min(capacity, tokens + Double(now - updatedMs) * perSecond / 1000)
        updatedMs = now
    }
}
