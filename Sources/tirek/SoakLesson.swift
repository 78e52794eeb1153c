import Foundation
import Synchronization

/// One lesson of the soak test, from the join storm to the checks (times are fractions of `seconds`):
///
/// | at | what happens |
/// |---|---|
/// | 0 | everyone joins at once (paced by the server's hints); the hub teacher starts the lesson |
/// | 0.1 | each local teacher marks a student present in the roll call |
/// | 0.2 | handoff to the hub teacher; a lesson poll opens; students answer it, a tenth raise hands, a tenth chat |
/// | 0.4 | the hub teacher gives the floor to the first hand and takes it back |
/// | 0.5 | every student drops at once and reconnects at once (a school router restarts) |
/// | 0.6 | the poll closes |
/// | 0.8 | handoff to the local teachers |
/// | 1 | the hub teacher ends the lesson; everyone leaves |
///
/// Meanwhile `flappingPercent` of the students reconnect every 4–8 s.
struct SoakLesson {
    let roster: LoopbackRoster
    let id: String
    let seconds: Int
    let flappingPercent: Int
    let port: Int
    let adminKey: String
    let log: @Sendable (String) -> Void

    /// What one lesson showed; `problems` empty means every check passed.
    struct Outcome {
        var lesson: String
        var students: Int
        var joinSeconds: Double
        var stormSeconds: Double
        var hints: Int
        var maxHintsPerClient: Int
        var silentAttempts: Int
        var flapReconnects: Int
        var messagesReceived: Int
        var chatsAccepted: Int
        var chatsSeenByHub: Int
        var answersAccepted: Int
        var pollRespondents: Int
        var attendanceMaxErrorMs: Int64
        var problems: [String]

        var summary: String {
            "\(lesson): \(students) students joined in \(String(format: "%.1f", joinSeconds)) s, storm absorbed in "
                + "\(String(format: "%.1f", stormSeconds)) s (\(hints) hints), \(flapReconnects) flapping reconnects, "
                + "chat \(chatsSeenByHub)/\(chatsAccepted), poll \(pollRespondents)/\(answersAccepted), "
                + "attendance within \(attendanceMaxErrorMs) ms" + (problems.isEmpty ? "" : "; PROBLEMS: \(problems.prefix(5))")
        }
    }

    func run() async throws -> Outcome {
        let tokens = try roster.createLesson(id: id)
        func client(_ participant: String) -> SoakClient {
            SoakClient(participant: participant, url: "ws://127.0.0.1:\(port)/v1/ws?token=\(tokens[participant]!)")
        }
        let hub = client(roster.hubTeacher)
        let locals = roster.classrooms.compactMap(\.localTeacher).map(client)
        let students = roster.students.map(client)
        let everyone = [hub] + locals + students
        let origin = ContinuousClock.now
        func at(_ fraction: Double) async {
            try? await Task.sleep(until: origin + .milliseconds(Int(fraction * Double(seconds) * 1000)), clock: .continuous)
        }
        var problems: [String] = []

        let joinStart = ContinuousClock.now
        let joined = await Self.all(everyone) { await $0.join() }
        let joinSeconds = Self.seconds(since: joinStart)
        if joined.contains(false) { problems.append("\(joined.filter { !$0 }.count) participants never got in") }
        log("\(id): \(everyone.count) participants joined in \(String(format: "%.1f", joinSeconds)) s")
        try await request(hub, #"{"type":"lesson.start","id":"start"}"#, ack: "lesson.start", &problems)

        let stop = StopSignal()
        let flappers = Array(students.prefix(students.count * flappingPercent / 100))
        let flapping = Task { await Self.all(flappers) { await Self.flap($0, until: stop) } }

        await at(0.1)
        for (classroom, teacher) in zip(roster.classrooms, locals) {
            if let student = classroom.students.first {
                await teacher.send(#"{"type":"rollcall.mark","id":"rc","student_id":"\#(student)","status":"present"}"#)
            }
        }
        await at(0.2)
        try await request(hub, #"{"type":"lesson.hand_over","id":"h1","phase":0}"#, ack: "lesson.hand_over", &problems)
        try await request(hub, #"{"type":"poll.start","id":"p","kind":"single_choice","question":"2 + 2?","options":["3","4","5"]}"#,
                          ack: "poll.start", &problems)
        let pollID = try await waitFor(hub, "the poll") { $0.poll }
        // Each student answers once, a tenth raise a hand, a tenth chat; what was sent bounds what may arrive.
        let busy = Task {
            await Self.all(students) { student -> (answered: Bool, chatted: Bool) in
                try? await Task.sleep(for: .milliseconds(Int.random(in: 0...(seconds * 150))))
                let answered = await student.send(#"{"type":"poll.answer","id":"a","poll_id":"\#(pollID)","choice":{"options":[\#(Int.random(in: 0...2))]}}"#)
                if Int.random(in: 0..<10) == 0 { await student.send(#"{"type":"hand.raise","id":"r","question":"May I?"}"#) }
                var chatted = false
                if Int.random(in: 0..<10) == 0 {
                    chatted = await student.send(#"{"type":"chat.send","id":"c","scope":"lesson","text":"hello from \#(student.participant)"}"#)
                }
                return (answered, chatted)
            }
        }
        await at(0.4)
        // Students paced by the server's join hints (or flapping) may still be coming in, so a
        // raised hand may come late: wait for one until 0.95 of the lesson.
        let handDeadline = origin + .milliseconds(Int(0.95 * Double(seconds) * 1000))
        while hub.state.withLock({ $0.waitingHands.isEmpty }), ContinuousClock.now < handDeadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let hands = hub.state.withLock { Array($0.waitingHands.prefix(5)) }
        if hands.isEmpty { problems.append("the hub teacher saw no raised hand") }
        var floorGiven = hands.isEmpty
        for hand in hands {
            // A raiser who has dropped meanwhile (flapping, the storm) cannot be given the floor: the
            // server refuses with invalid_state, and the hub teacher takes the next hand.
            let granted = hub.state.withLock { $0.acks["floor.grant", default: 0] }
            try await request(hub, #"{"type":"floor.grant","id":"g","hand_id":"\#(hand)"}"#, ack: "floor.grant",
                              tolerating: "invalid_state", &problems)
            guard hub.state.withLock({ $0.acks["floor.grant", default: 0] }) > granted else { continue }
            // The speaker may have dropped meanwhile, which ends the floor.
            try await request(hub, #"{"type":"floor.end","id":"e"}"#, ack: "floor.end", tolerating: "invalid_state", &problems)
            floorGiven = true
            break
        }
        if !floorGiven { problems.append("none of \(hands.count) raised hands could be given the floor") }
        let sent = await busy.value

        await at(0.5)
        // The flapping students are already coming and going on their own.
        let steady = Array(students.dropFirst(flappers.count))
        let stormStart = ContinuousClock.now
        let before = steady.map { $0.state.withLock { $0.hints } }
        await Self.all(steady) { await $0.drop() }
        let back = await Self.all(steady) { await $0.join() }
        let stormSeconds = Self.seconds(since: stormStart)
        if back.contains(false) { problems.append("\(back.filter { !$0 }.count) students not back after the storm") }
        log("\(id): storm of \(steady.count) students absorbed in \(String(format: "%.1f", stormSeconds)) s")
        let stormHints = zip(steady, before).map { $0.0.state.withLock { $0.hints } - $0.1 }

        await at(0.6)
        try await request(hub, #"{"type":"poll.close","id":"pc","poll_id":"\#(pollID)"}"#, ack: "poll.close", &problems)
        await at(0.8)
        try await request(hub, #"{"type":"lesson.hand_over","id":"h2","phase":1}"#, ack: "lesson.hand_over", &problems)
        await at(1.0)
        stop.set()
        _ = await flapping.value
        try await request(hub, #"{"type":"lesson.end","id":"end"}"#, ack: "lesson.end", &problems)
        _ = try await waitFor(hub, "the end of the lesson") { $0.ended ? true : nil }
        // Let the last chat and poll messages reach the hub before comparing.
        try await Task.sleep(for: .milliseconds(500))
        await Self.all(everyone) { await $0.drop() }

        let chatsAccepted = students.reduce(0) { $0 + $1.state.withLock { $0.acks["chat.send", default: 0] } }
        let answeredStudents = students.filter { $0.state.withLock { $0.acks["poll.answer", default: 0] } > 0 }.count
        let chatsSent = sent.filter(\.chatted).count, answersSent = sent.filter(\.answered).count
        let hubState = hub.state.withLock { ($0.studentChats, $0.pollRespondents[pollID] ?? -1) }
        // Accepted (acked) messages must all arrive; one sent just before its sender's link flapped may arrive unacked.
        if !(chatsAccepted...max(chatsAccepted, chatsSent)).contains(hubState.0) {
            problems.append("hub saw \(hubState.0) student chats; \(chatsAccepted) were accepted, \(chatsSent) sent")
        }
        if !(answeredStudents...max(answeredStudents, answersSent)).contains(hubState.1) {
            problems.append("the poll counts \(hubState.1) respondents; \(answeredStudents) students' answers were accepted, \(answersSent) sent")
        }
        for client in everyone {
            for error in client.state.withLock({ $0.unexpected.prefix(3) }) { problems.append("\(client.participant) got \(error)") }
        }
        let attendanceError = try checkAttendance(students, &problems)
        let flapReconnects = flappers.reduce(0) { $0 + $1.state.withLock { $0.connects } } - flappers.count
        return Outcome(lesson: id, students: students.count, joinSeconds: joinSeconds, stormSeconds: stormSeconds,
                       hints: stormHints.reduce(0, +), maxHintsPerClient: stormHints.max() ?? 0,
                       silentAttempts: students.reduce(0) { $0 + $1.state.withLock { $0.silent } },
                       flapReconnects: flapReconnects,
                       messagesReceived: everyone.reduce(0) { $0 + $1.state.withLock { $0.received } },
                       chatsAccepted: chatsAccepted, chatsSeenByHub: hubState.0,
                       answersAccepted: answeredStudents, pollRespondents: hubState.1,
                       attendanceMaxErrorMs: attendanceError, problems: problems)
    }

    /// Each student's online time in the server's report must match what the client saw: between
    /// its connections counted up to each close and up to each close handshake's end, give or take
    /// 500 ms; returns the largest distance outside that range.
    private func checkAttendance(_ students: [SoakClient], _ problems: inout [String]) throws -> Int64 {
        let response = try LoopbackHTTP.request("GET", port: port, path: "/v1/lessons/\(id)/attendance", adminKey: adminKey)
        guard response.status == 200,
              let report = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let lesson = report["lesson"] as? [String: Any],
              let started = (lesson["started_at"] as? NSNumber)?.int64Value, let ended = (lesson["ended_at"] as? NSNumber)?.int64Value,
              let rows = report["students"] as? [[String: Any]] else {
            problems.append("attendance report: \(response.status) \(response.text.prefix(200))")
            return -1
        }
        let online = Dictionary(rows.compactMap { row -> (String, Int64)? in
            guard let id = row["student_id"] as? String, let ms = (row["online_ms"] as? NSNumber)?.int64Value else { return nil }
            return (id, ms)
        }, uniquingKeysWith: { a, _ in a })
        let joins = Dictionary(rows.compactMap { row -> (String, String)? in
            guard let id = row["student_id"] as? String else { return nil }
            return (id, "joins \(row["joins"] ?? "?") drops \(row["drops"] ?? "?")")
        }, uniquingKeysWith: { a, _ in a })
        var worst: Int64 = 0
        var wrong = 0
        for student in students {
            guard let server = online[student.participant] else {
                problems.append("no attendance row for \(student.participant)")
                continue
            }
            let seen = student.onlineMillis(from: started, to: ended)
            let connects = Int64(student.state.withLock { $0.connects })
            // Within 500 ms of the range the client's own view allows.
            let error = server < seen.least ? seen.least - server : server > seen.most ? server - seen.most : 0
            worst = max(worst, error)
            if error > 500 {
                wrong += 1
                if wrong <= 3 {
                    let intervals = student.state.withLock { $0.intervals.map { "\($0.from - started)…\($0.to - started)(\($0.latest - started))" } }
                    problems.append("\(student.participant): server counts \(server) ms online (\(joins[student.participant] ?? "")), "
                        + "the client saw \(seen.least)–\(seen.most) ms over \(connects) connections: \(intervals) of 0…\(ended - started)")
                }
            }
        }
        if wrong > 3 { problems.append("… \(wrong) students' attendance off in all") }
        return worst
    }

    /// Sends a request and waits for its ack; an error whose code is `tolerating` is an answer too
    /// (and not a problem).
    private func request(_ client: SoakClient, _ json: String, ack: String, tolerating: String? = nil,
                         _ problems: inout [String]) async throws {
        let (before, errors) = client.state.withLock { ($0.acks[ack, default: 0], $0.unexpected.count) }
        guard await client.send(json) else {
            problems.append("\(ack) could not be sent")
            return
        }
        do {
            _ = try await waitFor(client, "an answer to \(ack)") { s -> Bool? in
                if s.acks[ack, default: 0] > before { return true }
                if let code = tolerating, s.unexpected.count > errors, s.unexpected[errors].hasPrefix(code + ":") { return true }
                return nil
            }
            client.state.withLock { s in
                if let code = tolerating, s.unexpected.count > errors, s.unexpected[errors].hasPrefix(code + ":") { s.unexpected.remove(at: errors) }
            }
        } catch {
            problems.append("\(error)")
        }
    }

    private func waitFor<T>(_ client: SoakClient, _ what: String, _ probe: (SoakClient.State) -> T?) async throws -> T {
        for _ in 0..<500 {
            if let value = client.state.withLock({ probe($0) }) { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LoopbackHTTP.Failure(description: "\(client.participant) waited 10 s for \(what)")
    }

    /// Drops and rejoins every 4–8 s until `stop` is set.
    private static func flap(_ client: SoakClient, until stop: StopSignal) async {
        while !stop.isSet {
            try? await Task.sleep(for: .milliseconds(Int.random(in: 4000...8000)))
            if stop.isSet { break }
            await client.drop()
            try? await Task.sleep(for: .milliseconds(300))
            _ = await client.join()
        }
    }

    /// Runs `body` for every client at once and returns the results in order.
    @discardableResult
    static func all<T: Sendable>(_ clients: [SoakClient], _ body: @escaping @Sendable (SoakClient) async -> T) async -> [T] {
        await withTaskGroup(of: (Int, T).self) { group in
            for (i, client) in clients.enumerated() { group.addTask { (i, await body(client)) } }
            var results = [(Int, T)]()
            for await r in group { results.append(r) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// A one-way stop signal shared by tasks.
final class StopSignal: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
