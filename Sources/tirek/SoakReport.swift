import Foundation

/// The soak test's result: each lesson's outcome, the server's memory and open files after each
/// lesson, and whether connections and live lessons went back to zero. One JSON line and a table.
struct SoakReport {
    /// The server's resident memory, open file descriptors and threads, from /proc/<pid>.
    struct ServerSample {
        var rssBytes: Int
        var openFiles: Int
        var threads: Int
        /// The server's C heap in use (`tirek_heap_in_use_bytes`), where it reports it.
        var heapBytes: Int?

        static func read(pid: Int32) -> ServerSample? {
            guard let process = ProcessSample.read(pid: pid),
                  let files = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
            let threads = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
                .flatMap { Int($0.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
            return ServerSample(rssBytes: process.rssBytes, openFiles: files.count, threads: threads)
        }

        var rssMB: Double { Self.megabytes(rssBytes) }
        var heapMB: Double? { heapBytes.map(Self.megabytes) }
        /// What the memory check compares: the heap in use where known (fragmentation and pages the
        /// allocator keeps moved the resident set by 20 MB between two lessons), else the resident set.
        var checkedBytes: Int { heapBytes ?? rssBytes }

        static func megabytes(_ bytes: Int) -> Double { (Double(bytes) / 1_048_576 * 10).rounded() / 10 }
    }

    /// Memory may grow while caches warm up (the database's page caches, one per reader connection);
    /// after that, the heap in use after the last lesson may exceed the baseline (after the second
    /// lesson when there are three or more) by at most this fraction, or this many bytes, whichever
    /// is larger. The socket leak found by heaptrack added about 3 MB a lesson at 500 students.
    static let memoryGrowthAllowed = 0.10
    static let memoryGrowthFloor = 8 << 20
    /// Open files after the last lesson may exceed those after the first by at most this many (the
    /// database opens reader connections, with their WAL and shared-memory files, as load needs them).
    static let openFilesAllowed = 4

    var baseline: ServerSample?
    var lessons: [SoakLesson.Outcome] = []
    var afterLessons: [ServerSample?] = []
    var connectionsAtEnd = -1.0
    var lessonsLiveAtEnd = -1.0
    var roomsInMemoryAtEnd = -1.0
    var socketsInMemoryAtEnd = -1.0
    var atEnd: ServerSample?

    var problems: [String] {
        var list = lessons.flatMap { o in o.problems.map { "\(o.lesson): \($0)" } }
        if connectionsAtEnd != 0 { list.append("tirek_connections is \(connectionsAtEnd) after everyone left") }
        if lessonsLiveAtEnd != 0 { list.append("tirek_lessons_live is \(lessonsLiveAtEnd) after every lesson ended") }
        if roomsInMemoryAtEnd != 0 { list.append("tirek_rooms_in_memory is \(roomsInMemoryAtEnd) after every lesson was unloaded: a room leaks") }
        if socketsInMemoryAtEnd != 0 { list.append("tirek_sockets_in_memory is \(socketsInMemoryAtEnd) after everyone left: sockets leak") }
        // The first lesson warms up caches and the database's reader connections; with three or
        // more lessons the baseline is the second.
        let all = afterLessons.compactMap { $0 }
        let samples = all.count >= 3 ? Array(all.dropFirst()) : all
        if samples.count >= 2, let first = samples.first, let last = samples.last {
            let allowed = max(Int(Double(first.checkedBytes) * Self.memoryGrowthAllowed), Self.memoryGrowthFloor)
            if last.checkedBytes - first.checkedBytes > allowed {
                let what = first.heapBytes != nil && last.heapBytes != nil ? "heap in use" : "resident set"
                list.append("\(what) grew from \(ServerSample.megabytes(first.checkedBytes)) MB (after lesson "
                    + "\(all.count - samples.count + 1)) to \(ServerSample.megabytes(last.checkedBytes)) MB after the last")
            }
        }
        if samples.count >= 2, let first = samples.first, let last = samples.last, last.openFiles - first.openFiles > Self.openFilesAllowed {
            list.append("open files grew from \(first.openFiles) (after lesson \(all.count - samples.count + 1)) to \(last.openFiles) after the last")
        }
        return list
    }

    var passed: Bool { problems.isEmpty }

    var json: String {
        func number(_ x: Double) -> String { x.isFinite ? String(format: "%.1f", x) : "null" }
        let lessonsJSON = lessons.map { o in
            """
            {"lesson":"\(o.lesson)","students":\(o.students),"join_s":\(number(o.joinSeconds)),"storm_s":\(number(o.stormSeconds)),\
            "storm_hints":\(o.hints),"storm_max_hints_per_client":\(o.maxHintsPerClient),"silent_attempts":\(o.silentAttempts),\
            "flapping_reconnects":\(o.flapReconnects),"messages_received":\(o.messagesReceived),\
            "chats_accepted":\(o.chatsAccepted),"chats_seen_by_hub":\(o.chatsSeenByHub),\
            "answers_accepted":\(o.answersAccepted),"poll_respondents":\(o.pollRespondents),\
            "attendance_max_error_ms":\(o.attendanceMaxErrorMs),"problems":\(o.problems.count)}
            """
        }.joined(separator: ",")
        let rss = afterLessons.map { $0.map { number($0.rssMB) } ?? "null" }.joined(separator: ",")
        let heap = afterLessons.map { $0?.heapMB.map(number) ?? "null" }.joined(separator: ",")
        return """
            {"passed":\(passed),"lessons":[\(lessonsJSON)],"rss_mb_after_each_lesson":[\(rss)],"heap_mb_after_each_lesson":[\(heap)],\
            "rss_mb_before":\(baseline.map { number($0.rssMB) } ?? "null"),\
            "rss_mb_at_end":\(atEnd.map { number($0.rssMB) } ?? "null"),"heap_mb_at_end":\(atEnd?.heapMB.map(number) ?? "null"),\
            "open_files_before":\(baseline?.openFiles ?? -1),"open_files_after":\(atEnd?.openFiles ?? -1),\
            "threads_before":\(baseline?.threads ?? -1),"threads_after":\(atEnd?.threads ?? -1),\
            "connections_at_end":\(number(connectionsAtEnd)),"lessons_live_at_end":\(number(lessonsLiveAtEnd)),\
            "rooms_in_memory_at_end":\(number(roomsInMemoryAtEnd)),\
            "sockets_in_memory_at_end":\(number(socketsInMemoryAtEnd)),\
            "problems":\(problems.count)}
            """
    }

    var table: String {
        var lines = lessons.map(\.summary)
        lines.append("server RSS MB: before \(baseline.map { "\($0.rssMB)" } ?? "n/a"), after each lesson "
            + afterLessons.map { $0.map { "\($0.rssMB)" } ?? "n/a" }.joined(separator: ", "))
        lines.append("server heap in use MB after each lesson: "
            + afterLessons.map { $0?.heapMB.map { "\($0)" } ?? "n/a" }.joined(separator: ", "))
        lines.append("at the end, lessons unloaded: RSS \(atEnd.map { "\($0.rssMB)" } ?? "n/a") MB, heap in use "
            + "\(atEnd?.heapMB.map { "\($0)" } ?? "n/a") MB")
        lines.append("open files before/after: \(baseline?.openFiles ?? -1)/\(atEnd?.openFiles ?? -1); "
            + "threads \(baseline?.threads ?? -1)/\(atEnd?.threads ?? -1)")
        lines.append("connections at end: \(connectionsAtEnd); live lessons at end: \(lessonsLiveAtEnd); rooms in memory at end: \(roomsInMemoryAtEnd); sockets in memory at end: \(socketsInMemoryAtEnd)")
        lines.append(passed ? "soak: every check passed" : "soak: FAILED\n  " + problems.joined(separator: "\n  "))
        return lines.joined(separator: "\n")
    }
}
