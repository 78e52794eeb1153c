import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// Helpers for the attendance tests: lesson time in minutes from a fixed start, an RFC 4180
/// CSV reader, and reading the lesson log.
struct LessonTime {
    /// 2025-03-03T09:00:00Z: when the hub teacher starts the lesson.
    static let start: Int64 = 1_740_992_400_000

    /// The instant `minutes` after the start.
    static func at(_ minutes: Double) -> Instant { Instant(millis: start + Int64((minutes * 60_000).rounded())) }

    /// Moves a manual clock forward to `minutes` after the start (never backwards).
    static func advance(_ clock: ManualClock, to minutes: Double) {
        let target = at(minutes)
        let now = clock.now()
        if target > now { clock.advance(by: target - now) }
    }

    /// `2025-03-03T09:<mm>:<ss>.000Z` for a whole or half minute after the start.
    static func iso(_ minutes: Double) -> String {
        let total = Int((minutes * 60).rounded())
        let hour = 9 + total / 3600
        let minute = total / 60 % 60
        let second = total % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "2025-03-03T\(two(hour)):\(two(minute)):\(two(second)).000Z"
    }
}

enum CSVReader {
    /// Parses RFC 4180 text (CRLF records, quoted fields with doubled quotes).
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\r\n" || c == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}

extension RunningServer {
    /// Every entry of a lesson's log, through the admin API.
    func log(_ lesson: String) async throws -> [[String: Any]] {
        let (status, body) = try await request(.get, "/v1/lessons/\(lesson)/events?limit=10000")
        guard status == 200 else { throw TestFailure("events gave \(status)") }
        return try JSON.object(body)["events"] as! [[String: Any]]
    }
}

extension TestSocket {
    /// Sends a request and waits for its `ack` (or fails with the `error` it got).
    func request(_ json: String, id: String) async throws {
        try await send(json)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? await next("ack", timeout: .milliseconds(20), where: { $0["id"] as? String == id })) != nil { return }
            if let error = try? await next("error", timeout: .milliseconds(1), where: { $0["id"] as? String == id }) {
                throw TestFailure("\(id) was refused: \(error)")
            }
        }
        throw TestFailure("no reply to \(id)")
    }

    /// Sends a request that must be refused; returns the error code.
    func refused(_ json: String, id: String) async throws -> String? {
        try await send(json)
        return try await next("error") { $0["id"] as? String == id }["code"] as? String
    }

    /// Round trip through the room: everything this connection sent before has been handled.
    func sync(_ tag: String = "sync") async throws {
        try await send(#"{"type":"ping","id":"\#(tag)"}"#)
        _ = try await next("pong") { $0["id"] as? String == tag }
    }
}
