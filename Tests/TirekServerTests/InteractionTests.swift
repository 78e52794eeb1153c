import Foundation
import NIOCore
import Testing
import TirekCore
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// Focused interaction tests over real WebSockets: restart, rate limit, observers, signalling,
/// the talk-back floor, screen share and hand reconnects.
@Suite struct InteractionTests {
    @Test func chatHandsAndPollsSurviveARestart() async throws {
        let first = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: first, classrooms: 2, students: 2)
        let ids = RequestIDs()
        var hub = try await TestSocket.connect(lesson.url(first, "t-hub"))
        _ = try await hub.next("welcome")
        var student = try await TestSocket.connect(lesson.url(first, "s1-0"))
        _ = try await student.next("welcome")
        let other = try await TestSocket.connect(lesson.url(first, "s2-0"))
        _ = try await other.next("welcome")

        for text in ["first", "second", "third"] {
            try await student.accepted(["type": "chat.send", "scope": "lesson", "text": text], ids: ids)
        }
        try await student.accepted(["type": "chat.send", "scope": "private", "to": "t-hub", "text": "just for the hub"], ids: ids)
        let second = try #require(try await hub.next("chat.message") { $0.object("message")?["text"] as? String == "second" }
            .object("message")?["id"] as? String)
        try await hub.accepted(["type": "chat.delete", "message_id": second], ids: ids)
        let deleted = try await student.next("chat.deleted")
        #expect(deleted.object("deletion")?["message_id"] as? String == second)
        try await other.accepted(["type": "hand.raise", "question": "What is density?"], ids: ids)
        try await hub.accepted(["type": "poll.start", "kind": "scale", "question": "How sure are you?"], ids: ids)
        try await student.accepted(["type": "poll.answer", "poll_id": "p1", "choice": ["value": 8]], ids: ids)
        let before = try student.chatMessages()
        let lastSeqBefore = before.values.map { $0["seq"] as! Int }.max()!
        await hub.close()
        await student.close()
        await other.close()
        try await first.stop()

        // A new server on the same database: the lesson is rebuilt from its log.
        let server = try await RunningServer.start(databasePath: first.databasePath)
        student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        let history = try await student.next("chat.history")
        let texts = history.objects("messages").map { $0["text"] as! String }
        #expect(texts == ["first", "third", "just for the hub"], "deleted messages are not sent again")
        #expect(history["last_seq"] as? Int == lastSeqBefore + 1, "the deletion took a sequence number")
        for message in history.objects("messages") {
            #expect(message["seq"] as? Int == before[message["id"] as! String]?["seq"] as? Int, "ids and seqs are kept")
        }
        // The open poll is still open and remembers the answer.
        let poll = try await student.next("poll.started")
        #expect(poll.object("poll")?["id"] as? String == "p1")
        hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        let live = try await hub.next("poll.results")
        #expect(live.object("results")?.object("overall")?["respondents"] as? Int == 1)
        // The raised hand kept its place, marked disconnected until its raiser is back.
        let queue = try await hub.next("hand.queue") { $0["view"] as? String == "owner" }
        #expect(queue.objects("entries").subjects == ["s2-0"])
        #expect(queue.objects("entries").first?["disconnected_at"] != nil)
        let again = try await TestSocket.connect(lesson.url(server, "s2-0"))
        _ = try await again.next("welcome")
        let place = try await again.next("hand.queue") { $0["view"] as? String == "raiser" }
        #expect(place.objects("mine").first?["position"] as? Int == 1)
        _ = try await hub.next("hand.queue") { $0.objects("entries").first?["disconnected_at"] == nil && !$0.objects("entries").isEmpty }

        // New messages continue the sequence; asking from a cursor never repeats anything.
        try await student.accepted(["type": "chat.send", "scope": "lesson", "text": "after the restart"], ids: ids)
        let fresh = try await student.next("chat.message")
        #expect(fresh.object("message")?["seq"] as? Int == lastSeqBefore + 2)
        #expect(fresh.object("message")?["id"] as? String == "m5")
        var cursor = 0
        var seen: [String] = []
        while true {
            let page = try await student.accepted(["type": "chat.history", "after_seq": cursor, "limit": 2], ids: ids, reply: "chat.history")
            seen += page.objects("messages").map { $0["id"] as! String }
            cursor = page["last_seq"] as! Int
            if page["has_more"] as? Bool != true { break }
        }
        #expect(seen == ["m1", "m3", "m4", "m5"])
        #expect(Set(seen).count == seen.count)
        await student.close()
        await hub.close()
        await again.close()
        try await server.stop()
    }

    @Test func rateLimitIsAClearErrorOverTheWire() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let clock = ManualClock(start: Instant(millis: now))
        let server = try await RunningServer.start(clock: clock)
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1, now: now)
        let ids = RequestIDs()
        let student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        for n in 1...5 {
            try await student.accepted(["type": "chat.send", "scope": "lesson", "text": "message \(n)"], ids: ids)
        }
        let refused = try await student.refused(["type": "chat.send", "scope": "lesson", "text": "one too many"], ids: ids)
        #expect(refused["code"] as? String == "rate_limited")
        #expect(refused["retry_after_ms"] as? Int == 2000)
        #expect((refused["message"] as? String)?.contains("retry") == true)
        clock.advance(by: .seconds(2))
        try await student.accepted(["type": "chat.send", "scope": "lesson", "text": "after waiting"], ids: ids)
        #expect(try student.chatTexts().count == 6)
        // Other limits have their own codes.
        let long = try await student.refused(["type": "chat.send", "scope": "lesson", "text": String(repeating: "a", count: 501)], ids: ids)
        #expect(long["code"] as? String == "message_too_long")
        let empty = try await student.refused(["type": "chat.send", "scope": "lesson", "text": " \u{200B} "], ids: ids)
        #expect(empty["code"] as? String == "message_empty")
        await student.close()
        try await server.stop()
    }

    @Test func observersReadButNeverWrite() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let ids = RequestIDs()
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        let student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        try await student.accepted(["type": "chat.send", "scope": "lesson", "text": "hello"], ids: ids)
        try await student.accepted(["type": "chat.send", "scope": "private", "to": "t-hub", "text": "secret"], ids: ids)
        let observer = try await TestSocket.connect(lesson.url(server, "obs"))
        _ = try await observer.next("welcome")
        let joined = try await observer.next("chat.history")
        #expect(joined.objects("messages").map { $0["text"] as! String } == ["hello"], "private threads stay private")
        for message: [String: Any] in [
            ["type": "chat.send", "scope": "lesson", "text": "may I?"],
            ["type": "hand.raise"],
            ["type": "poll.start", "kind": "scale", "question": "?"],
            ["type": "signal", "to": "t-hub", "kind": "offer", "payload": "v=0"],
        ] {
            let error = try await observer.refused(message, ids: ids)
            #expect(error["code"] as? String == "forbidden", "\(message["type"]!)")
        }
        let page = try await observer.accepted(["type": "chat.history", "after_seq": 0], ids: ids, reply: "chat.history")
        #expect(page.objects("messages").count == 1)
        try await hub.settle(ids: ids)
        #expect(try hub.chatTexts() == ["hello", "secret"], "nothing from the observer reached anyone")
        await observer.close()
        await student.close()
        await hub.close()
        try await server.stop()
    }

    @Test func signalsReachOnlyTheNamedParticipantOfTheSameLesson() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 2, students: 1)
        let ids = RequestIDs()
        // A second lesson on the same server, with its own classroom and student.
        _ = try await server.create("/v1/schools", #"{"id":"school9","name":"Other School","kind":"small"}"#)
        _ = try await server.create("/v1/teachers", #"{"id":"t9","school_id":"school9","name":"Other Teacher"}"#)
        _ = try await server.create("/v1/classrooms", #"{"id":"c9","school_id":"school9","name":"Class 9","grade":7,"local_teacher_id":"t9"}"#)
        _ = try await server.create("/v1/students", #"{"id":"s9-0","classroom_id":"c9","name":"Student 9","external_id":"EJ90","has_device":true}"#)
        let start = Int64(Date().timeIntervalSince1970 * 1000) + 60_000
        let body = try await server.create("/v1/lessons", """
            {"id":"L2","subject":"Maths","topic":"Fractions","grade":7,"scheduled_start":\(start),
             "hub_teacher_id":"t-hub","classroom_ids":["c9"],"guest_ids":[],"phase_minutes":{}}
            """)
        let links = body["links"] as! [[String: Any]]
        let outsiderLink = try #require(links.first { ($0["participant"] as? [String: Any])?["id"] as? String == "s9-0" })
        let outsider = try await TestSocket.connect("\(server.wsBase)?token=\(outsiderLink["token"] as! String)")
        _ = try await outsider.next("welcome")

        var sockets: [String: TestSocket] = [:]
        for id in ["t-hub", "screen-c1", "screen-c2", "s1-0", "t1", "obs"] {
            sockets[id] = try await TestSocket.connect(lesson.url(server, id))
            _ = try await sockets[id]!.next("welcome")
        }
        let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
        try await sockets["t-hub"]!.accepted(["type": "signal", "to": "screen-c1", "kind": "offer", "payload": sdp], ids: ids)
        let offer = try await sockets["screen-c1"]!.next("signal")
        #expect(offer["from"] as? String == "t-hub" && offer["kind"] as? String == "offer" && offer["payload"] as? String == sdp)
        try await sockets["screen-c1"]!.accepted(["type": "signal", "to": "t-hub", "kind": "answer", "payload": "v=0 answer"], ids: ids)
        let answer = try await sockets["t-hub"]!.next("signal")
        #expect(answer["from"] as? String == "screen-c1")

        let refusals: [(TestSocket, [String: Any], String)] = [
            (outsider, ["type": "signal", "to": "s1-0", "kind": "offer", "payload": sdp], "not_in_lesson"),
            (sockets["t-hub"]!, ["type": "signal", "to": "s9-0", "kind": "offer", "payload": sdp], "not_in_lesson"),
            (sockets["t-hub"]!, ["type": "signal", "to": "obs", "kind": "offer", "payload": sdp], "forbidden"),
            (sockets["t-hub"]!, ["type": "signal", "to": "t-hub", "kind": "offer", "payload": sdp], "invalid_value"),
            (sockets["t-hub"]!, ["type": "signal", "to": "screen-c1", "kind": "ice", "payload": String(repeating: "x", count: 2049)],
             "payload_too_large"),
            (sockets["t-hub"]!, ["type": "signal", "to": "screen-c1", "kind": "offer", "payload": ""], "invalid_value"),
        ]
        for (socket, message, code) in refusals {
            let error = try await socket.refused(message, ids: ids)
            #expect(error["code"] as? String == code, "\(message["to"]!) \(message["kind"]!)")
        }
        for socket in sockets.values + [outsider] { try await socket.settle(ids: ids) }
        #expect(sockets["screen-c1"]!.all("signal").isEmpty && sockets["t-hub"]!.all("signal").isEmpty, "consumed above")
        for id in ["screen-c2", "s1-0", "t1", "obs"] {
            #expect(sockets[id]!.all("signal").isEmpty, "\(id) must not see the signalling")
        }
        #expect(outsider.all("signal").isEmpty)
        for socket in sockets.values + [outsider] { await socket.close() }
        try await server.stop()
    }

    @Test func talkbackIsPublishedOnlyByTheFloorHolder() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 2)
        let ids = RequestIDs()
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        let speaker = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await speaker.next("welcome")
        let listener = try await TestSocket.connect(lesson.url(server, "s1-1"))
        _ = try await listener.next("welcome")
        let talkback = { (sequence: UInt32) in MediaFrames.frame(track: .talkback, sequence: sequence, keyframe: false, size: 40) }

        // Nobody holds the floor: talk-back is refused.
        try await speaker.send(binary: talkback(1))
        #expect(try await speaker.next("error")["code"] as? String == "forbidden")

        try await speaker.accepted(["type": "hand.raise", "question": "May I answer?"], ids: ids)
        let queue = try await hub.next("hand.queue") { !$0.objects("entries").isEmpty }
        let hand = queue.objects("entries")[0]["id"] as! String
        // Only the queue owner grants.
        let notOwner = try await listener.refused(["type": "floor.grant", "hand_id": hand], ids: ids)
        #expect(notOwner["code"] as? String == "forbidden")
        try await hub.accepted(["type": "floor.grant", "hand_id": hand, "with_video": true], ids: ids)
        let granted = try await listener.next("floor.state")
        #expect(granted.object("floor")?["speaker"] as? String == "s1-0")
        #expect(granted.object("floor")?["with_video"] as? Bool == true)

        try await speaker.send(binary: talkback(2))
        try await listener.send(binary: talkback(3))
        #expect(try await listener.next("error")["code"] as? String == "forbidden", "only the floor holder talks back")
        try await hub.waitForBinary(count: 1)
        try await listener.waitForBinary(count: 1)
        try await Task.sleep(for: .milliseconds(100))
        #expect(hub.binaryFrames.count == 1 && listener.binaryFrames.count == 1)
        #expect(try MediaHeader.parse(hub.binaryFrames[0]).track == .talkback)
        #expect(try MediaHeader.parse(hub.binaryFrames[0]).sequence == 2)

        // The hub teacher takes the floor back: talk-back is refused again.
        try await hub.accepted(["type": "floor.end"], ids: ids)
        let ended = try await speaker.next("floor.state") { $0["reason"] != nil }
        #expect(ended["reason"] as? String == "taken_back")
        try await speaker.send(binary: talkback(4))
        #expect(try await speaker.next("error")["code"] as? String == "forbidden")

        // A speaker who drops loses the floor at once.
        try await listener.accepted(["type": "hand.raise"], ids: ids)
        let next = try await hub.next("hand.queue") { !$0.objects("entries").isEmpty }
        try await hub.accepted(["type": "floor.grant", "hand_id": next.objects("entries")[0]["id"] as! String], ids: ids)
        await listener.close()
        let dropped = try await hub.next("floor.state") { $0["reason"] as? String == "speaker_disconnected" }
        #expect(dropped.object("ended")?["speaker"] as? String == "s1-1")
        await speaker.close()
        await hub.close()
        try await server.stop()
    }

    @Test func screenShareRequestGrantAndStopOnDrop() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 2, students: 1)
        let ids = RequestIDs()
        var sockets: [String: TestSocket] = [:]
        for id in ["t-hub", "t1", "s1-0", "s2-0"] {
            sockets[id] = try await TestSocket.connect(lesson.url(server, id))
            _ = try await sockets[id]!.next("welcome")
        }
        // In the lobby the hub teacher leads; a local teacher asks to share.
        try await sockets["t1"]!.accepted(["type": "share.request"], ids: ids)
        let pending = try await sockets["t-hub"]!.next("share.request")
        #expect(pending["status"] as? String == "pending")
        #expect(sockets["s1-0"]!.all("share.request").isEmpty, "requests go to the lead and the requester only")
        let refused = try await sockets["s1-0"]!.refused(["type": "share.grant", "participant_id": "t1"], ids: ids)
        #expect(refused["code"] as? String == "forbidden")
        try await sockets["t-hub"]!.accepted(["type": "share.grant", "participant_id": "t1"], ids: ids)
        for id in ["t-hub", "t1", "s1-0", "s2-0"] {
            let state = try await sockets[id]!.next("share.state")
            #expect(state.object("share")?["sharer_id"] as? String == "t1")
            #expect(state.object("share")?["granted_by"] as? String == "t-hub")
        }
        // The sharer holds the screen track now.
        try await sockets["t1"]!.send(binary: MediaFrames.frame(track: .screen, sequence: 1, keyframe: true, size: 100))
        try await sockets["s2-0"]!.waitForBinary(count: 1)
        try await sockets["t1"]!.settle(ids: ids)
        #expect(sockets["t1"]!.all("error").isEmpty)
        // The sharer drops: the share stops and the screen track returns to the hub teacher.
        await sockets["t1"]!.close()
        let stopped = try await sockets["s2-0"]!.next("share.state")
        #expect(stopped["reason"] as? String == "sharer_disconnected")
        try await sockets["t-hub"]!.send(binary: MediaFrames.frame(track: .screen, sequence: 2, keyframe: true, size: 100))
        try await sockets["t-hub"]!.settle(ids: ids)
        #expect(sockets["t-hub"]!.all("error").isEmpty)
        for id in ["t-hub", "s1-0", "s2-0"] { await sockets[id]!.close() }
        try await server.stop()
    }

    @Test func aRaisedHandKeepsItsPlaceThroughAReconnect() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let clock = ManualClock(start: Instant(millis: now))
        let server = try await RunningServer.start(clock: clock)
        // Starts in 5 minutes: the lesson stays in the lobby (no phase change) while the clock moves.
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 3, startsInMillis: 300_000, now: now)
        let ids = RequestIDs()
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        var sockets: [String: TestSocket] = [:]
        for id in ["s1-0", "s1-1", "s1-2"] {
            sockets[id] = try await TestSocket.connect(lesson.url(server, id))
            _ = try await sockets[id]!.next("welcome")
            try await sockets[id]!.accepted(["type": "hand.raise"], ids: ids)
        }
        // s1-0 drops and comes back within the grace period: still first.
        await sockets["s1-0"]!.close()
        _ = try await hub.next("hand.queue") { $0.objects("entries").first?["disconnected_at"] != nil }
        clock.advance(by: .seconds(30))
        let back = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await back.next("welcome")
        let place = try await back.next("hand.queue")
        #expect(place.objects("mine").first?["position"] as? Int == 1)
        // s1-1 drops and stays away past the grace period: the hand expires.
        await sockets["s1-1"]!.close()
        _ = try await hub.next("hand.queue") { $0.objects("entries").count == 3 && $0.objects("entries")[1]["disconnected_at"] != nil }
        clock.advance(by: .seconds(60))
        let expired = try await hub.next("hand.queue") { $0.objects("entries").subjects == ["s1-0", "s1-2"] }
        #expect(expired.objects("entries").subjects == ["s1-0", "s1-2"])
        let s12 = try await sockets["s1-2"]!.next("hand.queue") { $0.objects("mine").first?["position"] as? Int == 2 }
        #expect(s12.objects("mine").first?["queue_length"] as? Int == 2)
        // Lowering and dismissing.
        try await back.accepted(["type": "hand.lower"], ids: ids)
        let emptyLower = try await back.refused(["type": "hand.lower"], ids: ids)
        #expect(emptyLower["code"] as? String == "not_found")
        try await hub.accepted(["type": "hand.dismiss_all"], ids: ids)
        let cleared = try await sockets["s1-2"]!.next("hand.queue") { $0.objects("mine").isEmpty }
        #expect(cleared["view"] as? String == "raiser")
        await back.close()
        await sockets["s1-2"]!.close()
        await hub.close()
        try await server.stop()
    }
}
