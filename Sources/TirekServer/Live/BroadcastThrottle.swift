/// At most one broadcast per `interval` for each key (a view that many events change, such as
/// `attendance.live` or a poll's `poll.results`): the first change goes out at once; later changes
/// within the interval are folded into one trailing broadcast of the newest state. A burst of n
/// events then costs a few broadcasts a second, not n. Pure: the caller passes the time and sleeps.
struct BroadcastThrottle<Key: Hashable & Sendable>: Sendable {
    enum Decision: Equatable {
        /// Broadcast now.
        case now
        /// Broadcast at this instant (then call `flush`); nothing else to do until then.
        case later(ContinuousClock.Instant)
        /// A trailing broadcast is already scheduled; it will show this change too.
        case alreadyScheduled
    }

    /// May change between calls (e.g. longer for a bigger view); it applies from the next change.
    var interval: Duration
    private var sentAt: [Key: ContinuousClock.Instant] = [:]
    private var pending: Set<Key> = []

    init(interval: Duration) {
        self.interval = interval
    }

    /// The view of `key` changed at `now`.
    mutating func changed(_ key: Key, now: ContinuousClock.Instant) -> Decision {
        if pending.contains(key) { return .alreadyScheduled }
        if let last = sentAt[key], now - last < interval {
            pending.insert(key)
            return .later(last + interval)
        }
        sentAt[key] = now
        return .now
    }

    /// The scheduled instant has come: true if the trailing broadcast is still due.
    mutating func flush(_ key: Key, now: ContinuousClock.Instant) -> Bool {
        guard pending.remove(key) != nil else { return false }
        sentAt[key] = now
        return true
    }

    /// The view was broadcast by other means (e.g. a final one): no trailing broadcast is due.
    mutating func sent(_ key: Key, now: ContinuousClock.Instant) {
        pending.remove(key)
        sentAt[key] = now
    }

    /// Forgets a key that will not change again.
    mutating func forget(_ key: Key) {
        pending.remove(key)
        sentAt[key] = nil
    }
}
