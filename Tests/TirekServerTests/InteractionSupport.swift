import Foundation

/// Helpers for the interaction tests: JSON building, requests that wait for their reply, and
/// reading what a socket received.
enum Wire {
    /// A control message as text, keys sorted.
    static func text(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Counts request ids across a test so they never repeat.
final class RequestIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func make(_ prefix: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return "\(prefix)\(next)"
    }
}

extension TestSocket {
    /// The reply (`ack`, `error`, or `reply` when given, e.g. `chat.history`) to a request id, waiting up to `timeout`.
    func reply(to id: String, reply type: String = "ack", timeout: Duration = .seconds(10)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let error = all("error").first(where: { $0["id"] as? String == id }) { return error }
            if let ok = all(type).first(where: { $0["id"] as? String == id }) { return ok }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("no reply to \(id) within \(timeout); have \(textTypes())")
    }

    /// Sends a request and requires it to be accepted; returns the reply.
    @discardableResult
    func accepted(_ message: [String: Any], ids: RequestIDs, reply type: String = "ack") async throws -> [String: Any] {
        let id = ids.make("r")
        var message = message
        message["id"] = id
        try await send(Wire.text(message))
        let reply = try await reply(to: id, reply: type)
        guard reply["type"] as? String == type else {
            throw TestFailure("\(message["type"] ?? "?") was refused: \(reply["code"] ?? "") \(reply["message"] ?? "")")
        }
        return reply
    }

    /// Sends a request and requires it to be refused; returns the `error`.
    func refused(_ message: [String: Any], ids: RequestIDs) async throws -> [String: Any] {
        let id = ids.make("r")
        var message = message
        message["id"] = id
        try await send(Wire.text(message))
        let reply = try await reply(to: id)
        guard reply["type"] as? String == "error" else {
            throw TestFailure("\(message["type"] ?? "?") was accepted, expected a refusal")
        }
        return reply
    }

    /// Waits until everything the server queued for this socket before now has arrived (a ping
    /// is answered after every message queued before it).
    func settle(ids: RequestIDs) async throws {
        let id = ids.make("settle")
        try await send(Wire.text(["type": "ping", "id": id]))
        _ = try await next("pong", where: { $0["id"] as? String == id })
    }

    /// Waits until at least `count` binary frames have arrived.
    func waitForBinary(count: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while binaryFrames.count < count {
            if ContinuousClock.now > deadline { throw TestFailure("\(binaryFrames.count) of \(count) media frames arrived") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Every chat message received (live and in history pages), by id; fails on a duplicate.
    func chatMessages() throws -> [String: [String: Any]] {
        var byID: [String: [String: Any]] = [:]
        var list: [[String: Any]] = all("chat.message").compactMap { $0["message"] as? [String: Any] }
        for page in all("chat.history") { list += page["messages"] as? [[String: Any]] ?? [] }
        for message in list {
            let id = message["id"] as! String
            guard byID[id] == nil else { throw TestFailure("chat message \(id) received twice") }
            byID[id] = message
        }
        return byID
    }

    /// The texts of every chat message received.
    func chatTexts() throws -> Set<String> {
        Set(try chatMessages().values.map { $0["text"] as! String })
    }

    /// The `hand.queue` owner views received, in order.
    func ownerViews() -> [[String: Any]] {
        all("hand.queue").filter { $0["view"] as? String == "owner" }
    }

    /// The `hand.queue` raiser views received, in order.
    func raiserViews() -> [[String: Any]] {
        all("hand.queue").filter { $0["view"] as? String == "raiser" }
    }
}

/// Reading nested JSON in tests.
extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
}

extension Array where Element == [String: Any] {
    /// For hand entries: who each hand is for (`participant_id`, or `named:<name>`), in order.
    var subjects: [String] {
        map { entry in
            let subject = entry.object("subject") ?? [:]
            if let id = subject["participant_id"] as? String { return id }
            return "named:\(subject["name"] as? String ?? "?")"
        }
    }
}
