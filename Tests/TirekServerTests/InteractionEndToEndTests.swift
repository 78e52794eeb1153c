import Foundation
import Testing
@_spi(Benchmarks) @testable import TirekServer

/// The end-to-end test: 3 classrooms and 20 students raise hands, chat and answer a poll
/// across a phase change (organisation, local teachers lead → operational, the hub teacher
/// leads), over real WebSockets; then every participant's inbox is checked against what their
/// role and the phase allow — exactly, nothing more.
@Suite struct InteractionEndToEndTests {
    @Test func threeClassroomsTwentyStudentsAcrossAPhaseChange() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 3, students: 7)
        let ids = RequestIDs()
        let students = (1...3).flatMap { c in (0..<7).map { "s\(c)-\($0)" } }.filter { $0 != "s3-6" }
        #expect(students.count == 20)
        let teachersAndScreens = ["t-hub", "t1", "t2", "t3", "screen-c1", "screen-c2", "screen-c3", "obs"]
        let everyone = teachersAndScreens + students
        var sockets: [String: TestSocket] = [:]
        for id in everyone {
            let socket = try await TestSocket.connect(lesson.url(server, id))
            _ = try await socket.next("welcome")
            sockets[id] = socket
        }
        func socket(_ id: String) -> TestSocket { sockets[id]! }
        /// The classroom of a participant, from the fixture's naming.
        func classroom(_ id: String) -> String? {
            if id.hasPrefix("screen-") { return String(id.dropFirst("screen-".count)) }
            if id.hasPrefix("s"), let dash = id.firstIndex(of: "-") { return "c" + id[id.index(after: id.startIndex)..<dash] }
            if id.hasPrefix("t"), id != "t-hub" { return "c" + id.dropFirst() }
            return nil
        }
        func raise(_ id: String, question: String? = nil, name: String? = nil) async throws {
            var message: [String: Any] = ["type": "hand.raise"]
            if let question { message["question"] = question }
            if let name { message["student_name"] = name }
            try await socket(id).accepted(message, ids: ids)
        }
        func chat(_ id: String, _ scope: String, _ text: String, to: String? = nil) async throws {
            var message: [String: Any] = ["type": "chat.send", "scope": scope, "text": text]
            if let to { message["to"] = to }
            try await socket(id).accepted(message, ids: ids)
        }
        /// Student n of a classroom picks option n % 3.
        func answer(_ id: String) async throws {
            let n = Int(id.split(separator: "-").last!)!
            try await socket(id).accepted(["type": "poll.answer", "poll_id": "p1", "choice": ["options": [n % 3]]], ids: ids)
        }

        // The hub teacher starts the lesson early: organisation, local teachers lead.
        try await socket("t-hub").accepted(["type": "lesson.start"], ids: ids)
        try await socket("t-hub").accepted(["type": "poll.start", "kind": "single_choice", "question": "Which one floats?",
                                           "options": ["iron", "wood", "stone"]], ids: ids)

        // Local phase: hands go to each local teacher's queue.
        try await raise("s1-0")
        try await raise("s1-1", question: "Does ice float in oil?")
        try await raise("s1-0") // raising twice keeps the first place
        try await raise("s2-0")
        try await raise("screen-c2", name: "Aigerim")
        try await raise("s3-0")
        // The local teacher of classroom 1 gives the floor to s1-0 (classroom scope).
        let t1Queue = try await socket("t1").next("hand.queue") { ($0.objects("entries")).subjects == ["s1-0", "s1-1"] }
        let s10Hand = t1Queue.objects("entries")[0]["id"] as! String
        try await socket("t1").accepted(["type": "floor.grant", "hand_id": s10Hand], ids: ids)
        // Chat while local teachers lead.
        try await chat("s1-0", "lesson", "local phase: s1-0 to everyone") // redirected to classroom c1
        try await chat("t1", "classroom", "t1 to class 1")
        try await chat("s2-1", "private", "s2-1 asks the hub privately", to: "t-hub")
        try await chat("s3-1", "private", "s3-1 asks t3 privately", to: "t3")
        try await chat("t-hub", "lesson", "hub to everyone (local phase)")
        // Classrooms 1 and 2 answer now; classroom 3's teacher enters a tally for students without devices.
        for id in students where id.hasPrefix("s1-") || id.hasPrefix("s2-") { try await answer(id) }
        try await socket("t3").accepted(["type": "poll.tally", "poll_id": "p1", "counts": [1, 0, 0]], ids: ids)
        // A student's private question to another classroom's teacher is refused.
        let wrongTeacher = try await socket("s1-2").refused(["type": "chat.send", "scope": "private", "to": "t2", "text": "hi"], ids: ids)
        #expect(wrongTeacher["code"] as? String == "forbidden")

        // The phase changes: the hub teacher leads.
        try await socket("t-hub").accepted(["type": "lesson.hand_over", "phase": 0], ids: ids)
        try await raise("s1-2")
        try await raise("s2-2", question: "Why?")
        try await raise("s3-2")
        try await raise("screen-c3", name: "Bolat")
        let hubQueue = try await socket("t-hub").next("hand.queue") {
            $0.objects("entries").subjects == ["s1-2", "s2-2", "s3-2", "named:Bolat"]
        }
        try await socket("t-hub").accepted(["type": "floor.grant", "hand_id": hubQueue.objects("entries")[0]["id"] as! String],
                                           ids: ids)
        try await chat("s1-3", "lesson", "operational: s1-3 to everyone")
        try await chat("s2-3", "classroom", "s2-3 to class 2")
        for id in students where id.hasPrefix("s3-") { try await answer(id) }
        try await socket("t-hub").accepted(["type": "poll.close", "poll_id": "p1"], ids: ids)
        for id in everyone { try await socket(id).settle(ids: ids) }

        // Chat: exactly the messages each participant may read.
        let c1Chat: Set<String> = ["local phase: s1-0 to everyone", "t1 to class 1"]
        let lessonChat: Set<String> = ["hub to everyone (local phase)", "operational: s1-3 to everyone"]
        for id in everyone {
            var expected = lessonChat
            let own = classroom(id)
            let supervisor = id == "t-hub" || id == "obs"
            if own == "c1" || supervisor { expected.formUnion(c1Chat) }
            if own == "c2" || supervisor { expected.insert("s2-3 to class 2") }
            if id == "s2-1" || id == "t-hub" { expected.insert("s2-1 asks the hub privately") }
            if id == "s3-1" || id == "t3" { expected.insert("s3-1 asks t3 privately") }
            #expect(try socket(id).chatTexts() == expected, "chat of \(id)")
        }
        let redirected = try #require(try socket("t-hub").chatMessages().values.first { $0["text"] as? String == "local phase: s1-0 to everyone" })
        #expect(redirected.object("scope")?["kind"] as? String == "classroom")
        #expect(redirected.object("scope")?["classroom_id"] as? String == "c1")

        // Hand queues: local-phase hands in the local teachers' queues, operational-phase hands in
        // the hub teacher's; each owner sees only their own queue, students only their own places.
        let localQueues = ["t1": ["s1-0", "s1-1"], "t2": ["s2-0", "named:Aigerim"], "t3": ["s3-0"]]
        for (teacher, subjects) in localQueues {
            let views = socket(teacher).ownerViews()
            #expect(views.allSatisfy { $0.object("scope")?["classroom_id"] as? String == classroom(teacher) }, "\(teacher) saw another queue")
            let seen = Set(views.flatMap { $0.objects("entries").subjects })
            #expect(seen == Set(subjects), "\(teacher) saw \(seen)")
            #expect(views.contains { $0.objects("entries").subjects == subjects }, "\(teacher)'s queue in raise order")
            #expect(views.last?.objects("entries").isEmpty == true, "\(teacher)'s queue is cleared by the phase change")
        }
        let hubViews = socket("t-hub").ownerViews()
        #expect(hubViews.allSatisfy { $0.object("scope")?["kind"] as? String == "lesson" })
        #expect(Set(hubViews.flatMap { $0.objects("entries").subjects }) == ["s1-2", "s2-2", "s3-2", "named:Bolat"])
        #expect(hubViews.last?.objects("entries").subjects == ["s2-2", "s3-2", "named:Bolat"])
        #expect(hubViews.last?.object("floor")?["speaker"] as? String == "s1-2")
        for id in students + ["screen-c1", "screen-c2", "screen-c3", "obs"] {
            #expect(socket(id).ownerViews().isEmpty, "\(id) must not see a queue")
            for view in socket(id).raiserViews() {
                for place in view.objects("mine") {
                    let subject = place.object("subject") ?? [:]
                    #expect(subject["participant_id"] as? String == id || subject["classroom_id"] as? String == classroom(id),
                            "\(id) saw someone else's place")
                }
            }
        }
        let s11Places = socket("s1-1").raiserViews().flatMap { $0.objects("mine") }
        #expect(s11Places.contains { $0["position"] as? Int == 2 && $0["queue_length"] as? Int == 2 })
        #expect(socket("s1-1").raiserViews().last?.objects("mine").isEmpty == true, "cleared at the phase change")
        #expect(socket("s2-2").raiserViews().last?.objects("mine").first?["position"] as? Int == 1)
        #expect(socket("s1-0").raiserViews().filter { !$0.objects("mine").isEmpty }.allSatisfy {
            $0.objects("mine").count == 1
        }, "raising twice keeps one hand")

        // The floor: classroom 1's floor is seen by classroom 1 and the supervisors only; it ended
        // with the phase change. The hub teacher's floor is seen by everyone.
        for id in everyone {
            let floors = socket(id).all("floor.state")
            let c1 = floors.filter { $0.object("scope")?["classroom_id"] as? String == "c1" }
            let follows = classroom(id) == "c1" || id == "t-hub" || id == "obs"
            #expect(c1.count == (follows ? 2 : 0), "\(id) classroom floor messages")
            if follows { #expect(c1.last?["reason"] as? String == "phase_changed") }
            let lessonFloors = floors.filter { $0.object("scope")?["kind"] as? String == "lesson" }
            #expect(lessonFloors.count == 1 && lessonFloors[0].object("floor")?["speaker"] as? String == "s1-2", "\(id) lesson floor")
        }

        // The poll: everyone saw it start; live results only for teachers and supervisors; after
        // the close every student sees the overall counts and their own classroom's only.
        var overall = [0, 0, 0]
        for id in students { overall[Int(id.split(separator: "-").last!)! % 3] += 1 }
        overall[0] += 1 // classroom 3's tally
        for id in everyone {
            #expect(socket(id).all("poll.started").count == 1, "\(id) poll.started")
            let results = socket(id).all("poll.results").compactMap { $0.object("results") }
            let final = try #require(results.last, "\(id) got no results")
            #expect(final["is_open"] as? Bool == false)
            #expect(final.object("overall")?["counts"] as? [Int] == overall, "\(id) overall")
            #expect(final.object("overall")?["respondents"] as? Int == 21)
            let classrooms = final.objects("classrooms").map { $0["classroom_id"] as? String }
            if students.contains(id) || id.hasPrefix("screen-") {
                #expect(results.count == 1, "\(id) must not see live results")
                #expect(classrooms == [classroom(id)], "\(id) sees only their classroom")
            } else {
                #expect(results.count > 1, "\(id) follows the live aggregate")
                #expect(classrooms == ["c1", "c2", "c3"])
            }
        }
        let c3 = try #require(socket("t-hub").all("poll.results").last?.object("results")?.objects("classrooms").last?.object("counts"))
        #expect(c3["device_respondents"] as? Int == 6 && c3["tallied_respondents"] as? Int == 1)

        // With TIREK_TRANSCRIPT=<file>, every interaction message received is written there, one
        // JSON object a line, for checking against Protocols/schema/server-messages.schema.json.
        if let path = ProcessInfo.processInfo.environment["TIREK_TRANSCRIPT"] {
            let types = ["hand.queue", "floor.state", "chat.message", "chat.deleted", "chat.history", "chat.moderation",
                         "poll.started", "poll.results", "share.state", "share.request", "signal", "ack", "error"]
            let lines = everyone.flatMap { id in types.flatMap { socket(id).all($0) } }.map(Wire.text)
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        for id in everyone { await socket(id).close() }
        try await server.stop()
    }
}
