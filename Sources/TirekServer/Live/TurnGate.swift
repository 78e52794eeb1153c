/// First-come, one-at-a-time turns inside an actor. An actor method that awaits (e.g. a log write)
/// lets other calls in; a change computed on a copy of state must not be overtaken by another one
/// before it is adopted, so such changes take a turn. The one leaving hands the turn directly to
/// the next waiter, in arrival order.
struct TurnGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// True when the caller has the turn now; otherwise the caller must wait with `enqueue`.
    mutating func tryEnter() -> Bool {
        if busy { return false }
        busy = true
        return true
    }

    mutating func enqueue(_ waiter: CheckedContinuation<Void, Never>) {
        waiters.append(waiter)
    }

    /// Ends the caller's turn; returns the next waiter to resume (its turn has begun), if any.
    mutating func leave() -> CheckedContinuation<Void, Never>? {
        if waiters.isEmpty {
            busy = false
            return nil
        }
        return waiters.removeFirst()
    }
}
