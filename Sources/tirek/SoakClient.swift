import Foundation
import Synchronization
import TirekWireClient

/// One participant of the soak test: joins like a well-behaved client (obeys `retry_after_ms`),
/// drops and rejoins on demand, sends requests, and keeps what it needs to check the server: its
/// own online intervals (wall-clock ms, from `welcome` to the drop), the acks it got, the errors it
/// did not expect, and the few things teachers look at (poll results, the hand queue, chat).
final class SoakClient: Sendable {
    let participant: String
    let url: String

    struct State {
        /// Numbers connection attempts: a connection that ends after a newer one began (its close
        /// handshake outlived `drop`'s wait) must not touch the newer one's state.
        var attempt = 0
        var writer: WireWriter?
        var connection: Task<Void, Never>?
        var welcomed = false
        var refusedFor: Int?
        var finished = true
        var onlineSince: Int64?
        /// Each connection's time online: from the welcome's `server_time` to somewhere between
        /// `to` (this client closed it) and `latest` (the close handshake finished, or was given up).
        /// On a busy machine the server may notice a close a while after it was sent; the server's
        /// count must lie between the two sums.
        var intervals: [(from: Int64, to: Int64, latest: Int64)] = []
        var connects = 0
        var hints = 0
        var silent = 0
        var unexpected: [String] = []
        var received = 0
        var acks: [String: Int] = [:]
        var poll: String?
        var pollRespondents: [String: Int] = [:]
        var waitingHands: [String] = []
        var studentChats = 0
        var ended = false
    }

    let state = Mutex(State())

    init(participant: String, url: String) {
        self.participant = participant
        self.url = url
    }

    var isOnline: Bool { state.withLock { $0.welcomed && !$0.finished } }

    /// Joins, retrying after each `join_rate_limited` hint (and after a second when an attempt got
    /// no answer in 15 s); false after 60 attempts.
    func join() async -> Bool {
        for _ in 0..<60 {
            let attempt = state.withLock { s in
                s.attempt += 1
                s.welcomed = false
                s.refusedFor = nil
                s.finished = false
                return s.attempt
            }
            let task = Task { await self.connect(attempt) }
            state.withLock { $0.connection = task }
            let deadline = ContinuousClock.now + .seconds(15)
            let attemptStarted = wallMicros() / 1000
            var outcome: (welcomed: Bool, refusedFor: Int?, finished: Bool) = (false, nil, false)
            while ContinuousClock.now < deadline {
                outcome = state.withLock { ($0.welcomed, $0.refusedFor, $0.finished) }
                if outcome.welcomed || outcome.refusedFor != nil || outcome.finished { break }
                try? await Task.sleep(for: .milliseconds(20))
            }
            if outcome.welcomed { return true }
            // No welcome: the server may still have admitted this attempt and counted it online
            // until the drop below ends it. It may count up to that much, and need not.
            await drop()
            if outcome.refusedFor == nil {
                state.withLock { $0.intervals.append((attemptStarted, attemptStarted, wallMicros() / 1000)) }
            }
            if let ms = outcome.refusedFor {
                state.withLock { $0.hints += 1 }
                try? await Task.sleep(for: .milliseconds(ms))
            } else {
                state.withLock { $0.silent += 1 }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return false
    }

    private func connect(_ attempt: Int) async {
        do {
            _ = try await WireSocket.connect(url) { inbound, writer in
                self.state.withLock { if $0.attempt == attempt { $0.writer = writer } }
                while let message = try await inbound.next() {
                    if case .text(let text) = message { self.handle(text, attempt: attempt) }
                }
            }
        } catch {}
        state.withLock { s in
            guard s.attempt == attempt else { return }
            let now = wallMicros() / 1000
            if let since = s.onlineSince { s.intervals.append((since, now, now)) }
            s.onlineSince = nil
            s.writer = nil
            s.finished = true
        }
    }

    /// Closes the connection (its online interval ends between now and when the close handshake
    /// ends) and waits up to 5 s for it to end.
    func drop() async {
        let (writer, task, index) = state.withLock { s in
            var index: Int?
            if let since = s.onlineSince {
                let now = wallMicros() / 1000
                s.intervals.append((since, now, now))
                index = s.intervals.count - 1
            }
            s.onlineSince = nil
            s.attempt += 1
            s.finished = true
            s.welcomed = false
            defer { s.writer = nil }
            return (s.writer, s.connection, index)
        }
        defer {
            if let index { state.withLock { $0.intervals[index].latest = wallMicros() / 1000 } }
        }
        try? await writer?.close(reason: "soak")
        guard let task else { return }
        let timeout = Task {
            try? await Task.sleep(for: .seconds(5))
            task.cancel()
        }
        await task.value
        timeout.cancel()
    }

    /// Sends one text message; false when not connected or the write failed.
    @discardableResult
    func send(_ json: String) async -> Bool {
        guard let writer = state.withLock({ $0.welcomed ? $0.writer : nil }) else { return false }
        do {
            try await writer.send(text: json)
            return true
        } catch {
            return false
        }
    }

    /// The message types this client reads; others (presence, attendance views, transitions…) are
    /// only counted, so a thousand clients in one process can keep up.
    private static let read = ["welcome", "error", "ack", "poll.started", "poll.results", "hand.queue", "chat.message", "lesson.state"]
        .map { #""type":"\#($0)""# }

    private func handle(_ text: String, attempt: Int) {
        guard Self.read.contains(where: { text.contains($0) }) else {
            state.withLock { $0.received += 1 }
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let type = object["type"] as? String else {
            state.withLock { $0.unexpected.append("unparseable: \(text.prefix(120))") }
            return
        }
        state.withLock { s in
            s.received += 1
            switch type {
            case "welcome":
                let at = (object["server_time"] as? NSNumber)?.int64Value ?? wallMicros() / 1000
                // A welcome that arrives after its attempt was given up: that connection is being
                // closed now, but the server had it open until then.
                guard s.attempt == attempt else {
                    let now = wallMicros() / 1000
                    s.intervals.append((at, now, now + 5000))
                    break
                }
                s.welcomed = true
                s.connects += 1
                // The server's instant of the join (same machine, same clock): when this client
                // is busy, the welcome may be read a while after it was sent.
                s.onlineSince = at
            case "error":
                let code = object["code"] as? String ?? "?"
                if code == "join_rate_limited", let ms = object["retry_after_ms"] as? Int {
                    if s.attempt == attempt { s.refusedFor = ms }
                } else {
                    s.unexpected.append("\(code): \(object["message"] as? String ?? "")")
                }
            case "ack":
                s.acks[object["of"] as? String ?? "?", default: 0] += 1
            case "poll.started":
                s.poll = (object["poll"] as? [String: Any])?["id"] as? String
            case "poll.results":
                if let poll = (object["poll"] as? [String: Any])?["id"] as? String,
                   let overall = (object["results"] as? [String: Any])?["overall"] as? [String: Any] {
                    s.pollRespondents[poll] = overall["respondents"] as? Int ?? 0
                }
            case "hand.queue":
                if object["view"] as? String == "owner", let entries = object["entries"] as? [[String: Any]] {
                    s.waitingHands = entries.compactMap { $0["id"] as? String }
                }
            case "chat.message":
                if (object["message"] as? [String: Any])?["sender_role"] as? String == "student" { s.studentChats += 1 }
            case "lesson.state":
                if (object["state"] as? [String: Any])?["status"] as? String == "ended" { s.ended = true }
            default:
                break
            }
        }
    }

    /// Milliseconds this client was online between `from` and `to` (wall clock): at least
    /// (`least`, counting each connection until it was closed) and at most (`most`, until its
    /// close handshake ended).
    func onlineMillis(from: Int64, to: Int64) -> (least: Int64, most: Int64) {
        state.withLock { s in
            s.intervals.reduce((0, 0)) { sum, i in
                (sum.0 + max(0, min(i.to, to) - max(i.from, from)), sum.1 + max(0, min(i.latest, to) - max(i.from, from)))
            }
        }
    }
}
