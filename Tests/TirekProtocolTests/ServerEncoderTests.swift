import Foundation
import NIOCore
import Testing
import TirekCore
@testable import TirekProtocol

/// The exact JSON the server puts on the wire.
@Suite struct ServerEncoderTests {
    let encoder = ServerEncoder()

    func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func ackEchoesTheRequestID() {
        #expect(text(encoder.encode(Ack(of: "media.prefs"), id: "r1")) == #"{"id":"r1","of":"media.prefs","type":"ack"}"#)
    }

    @Test func noIDMeansNoIDKey() {
        #expect(text(encoder.encode(Ack(of: "ping"))) == #"{"of":"ping","type":"ack"}"#)
    }

    @Test func errorReply() {
        #expect(text(encoder.encode(ErrorReply(code: .invalidField, message: "minutes must be between 1 and 30, got 0"), id: "e0"))
                == #"{"code":"invalid_field","id":"e0","message":"minutes must be between 1 and 30, got 0","type":"error"}"#)
        #expect(text(encoder.encode(ErrorReply(code: .rateLimited, message: "slow down", retryAfterMs: 1500)))
                == #"{"code":"rate_limited","message":"slow down","retry_after_ms":1500,"type":"error"}"#)
    }

    @Test func errorReplyFromAProtocolError() throws {
        let refused = ProtocolError(Refusal(.staleCommand, "hand_over was for phase 0, the current phase is 1"), requestID: "h")
        let json = try object(encoder.encode(ErrorReply(code: refused.code, message: refused.message), id: refused.requestID))
        #expect(json["code"] as? String == "stale_command")
        #expect(json["id"] as? String == "h")
        #expect(json["type"] as? String == "error")
    }

    @Test func pong() {
        #expect(text(encoder.encode(Pong(t: 5, serverTime: Instant(millis: 1_718_000_000_123)), id: "p"))
                == #"{"id":"p","server_time":1718000000123,"t":5,"type":"pong"}"#)
        #expect(text(encoder.encode(Pong(t: nil, serverTime: Instant(millis: 9))))
                == #"{"server_time":9,"type":"pong"}"#)
    }

    @Test func serverClosing() {
        #expect(text(encoder.encode(ServerClosing(reason: "server restarting", reconnectAfterMs: 2000)))
                == #"{"reason":"server restarting","reconnect_after_ms":2000,"type":"server_closing"}"#)
    }

    @Test func keyframeNeeded() {
        #expect(text(encoder.encode(KeyframeNeeded(track: .cameraLow)))
                == #"{"track":"camera_low","type":"media.keyframe_needed"}"#)
    }

    @Test func presence() {
        let who = Participant(id: "s-karaoy-1", role: .student, displayName: "Student 2.1", classroomID: "class-karaoy-7")
        #expect(text(encoder.encode(PresenceEvent(change: .joined, participant: who, at: Instant(millis: 77), connections: 1)))
                == #"{"at":77,"change":"joined","connections":1,"participant":{"classroom_id":"class-karaoy-7","display_name":"Student 2.1","id":"s-karaoy-1","role":"student"},"type":"presence"}"#)
        let hub = Participant(id: "t-hub", role: .hubTeacher, displayName: "A")
        #expect(text(encoder.encode(PresenceEvent(change: .left, participant: hub, at: Instant(millis: 1), connections: 0)))
                == #"{"at":1,"change":"left","connections":0,"participant":{"display_name":"A","id":"t-hub","role":"hub_teacher"},"type":"presence"}"#)
    }

    @Test func lessonNotice() {
        #expect(text(encoder.encode(LessonNoticeMessage(notice: .hubTeacherAway, at: Instant(millis: 10), graceUntil: Instant(millis: 60_010))))
                == #"{"at":10,"grace_until":60010,"notice":"hub_teacher_away","type":"lesson.notice"}"#)
        #expect(text(encoder.encode(LessonNoticeMessage(notice: .classroomFlagged, at: Instant(millis: 5), classroomID: "c1")))
                == #"{"at":5,"classroom_id":"c1","notice":"classroom_flagged","type":"lesson.notice"}"#)
        #expect(text(encoder.encode(LessonNoticeMessage(notice: .hubTeacherBack, at: Instant(millis: 6), leadRestored: true)))
                == #"{"at":6,"lead_restored":true,"notice":"hub_teacher_back","type":"lesson.notice"}"#)
    }

    @Test func lessonNoticeFromEngineActions() {
        let at = Instant(millis: 100)
        #expect(LessonNoticeMessage(.hubTeacherAway(since: at, graceUntil: nil))?.notice == .hubTeacherAway)
        #expect(LessonNoticeMessage(.leadFallback(phaseIndex: 1, at: at))?.notice == .leadFallback)
        #expect(LessonNoticeMessage(.hubTeacherBack(at: at, leadRestored: false))?.leadRestored == false)
        #expect(LessonNoticeMessage(.classroomFlagged("c1", since: at))?.classroomID == "c1")
        #expect(LessonNoticeMessage(.classroomUnflagged("c1", at: at))?.notice == .classroomUnflagged)
        let record = TransitionRecord(seq: 1, at: at, from: LessonPoint(status: .scheduled), to: LessonPoint(status: .lobby),
                                      by: nil, byRole: nil, why: .lobbyOpened)
        #expect(LessonNoticeMessage(.record(record)) == nil)
    }

    /// Drives a real engine to produce the lesson messages, and checks their keys.
    @Test func lessonStateTransitionAndWarning() throws {
        let start = Instant(millis: 1_718_000_000_000)
        var engine = LessonEngine(config: try LessonConfig(lessonID: "l1", scheduledStart: start, autoStartAfter: nil))
        _ = engine.tick(at: start - .minutes(10))
        let hub = Participant(id: "t-hub", role: .hubTeacher, displayName: "Hub")
        let step = engine.send(LessonCommand(.start, from: hub), at: start)
        #expect(step.refusal == nil)
        let record = try #require(step.records.last)
        let transition = try object(encoder.encode(LessonTransitionMessage(record: record)))
        #expect(transition["type"] as? String == "lesson.transition")
        let rec = try #require(transition["record"] as? [String: Any])
        #expect(Set(rec.keys) == ["seq", "at", "from", "to", "by", "by_role", "why"])
        #expect(rec["why"] as? String == "started" && rec["by_role"] as? String == "hub_teacher")

        let state = try object(encoder.encode(LessonStateMessage(state: engine.snapshot(at: start))))
        #expect(state["type"] as? String == "lesson.state")
        let snapshot = try #require(state["state"] as? [String: Any])
        for key in ["lesson_id", "server_time", "status", "seq", "model", "phase_count", "phase_index", "phase",
                    "phase_started_at", "planned_end", "phase_length_ms", "remaining_ms", "elapsed_ms", "paused_total_ms",
                    "lead", "fallback", "hub_stream", "classrooms_muted", "pending_handoff", "flagged_classrooms",
                    "scheduled_start", "lobby_opens_at", "started_at", "next_deadline"] {
            #expect(snapshot[key] != nil, "lesson.state is missing \(key)")
        }
        #expect(snapshot["status"] as? String == "running")
        #expect(snapshot["paused_at"] == nil, "absent optionals are omitted, not null")

        // Run into the first warning (2 minutes before the end of the 5-minute organisation phase).
        let actions = engine.tick(at: start + .minutes(3))
        let warning = try #require(actions.compactMap { if case .handoffWarning(let w) = $0 { w } else { nil } }.first)
        let warned = try object(encoder.encode(LessonWarningMessage(warning: warning)))
        #expect(warned["type"] as? String == "lesson.warning")
        let w = try #require(warned["warning"] as? [String: Any])
        #expect(Set(w.keys) == ["at", "phase_index", "phase_id", "lead", "next_phase_index", "next_phase_id", "next_lead",
                                "handoff_at", "before_ms", "remaining_ms"])
        #expect(w["before_ms"] as? Int == 120_000)
    }

    @Test func welcome() throws {
        let roster = LessonRoster(
            lesson: LessonRecord(id: "l1", subject: "Physics", topic: "Archimedes", grade: 7, scheduledStart: Instant(millis: 1000),
                                 hubTeacherID: "t-hub", classroomIDs: ["c1"], createdAt: Instant(millis: 0)),
            classrooms: [Classroom(id: "c1", schoolID: "s1", name: "Grade 7", grade: 7, localTeacherID: "t-1")],
            schools: [School(id: "s1", name: "Small school", kind: .small)],
            hubTeacher: Teacher(id: "t-hub", schoolID: "hub", name: "Hub"),
            localTeachers: [Teacher(id: "t-1", schoolID: "s1", name: "Local")],
            students: [], guests: [])
        let me = Participant(id: "t-1", role: .localTeacher, displayName: "Local", classroomID: "c1")
        let welcome = Welcome(serverTime: Instant(millis: 5), you: me, connectionID: 3, lesson: LessonSummary(roster: roster),
                              online: [OnlineEntry(participant: me, connections: 1, since: Instant(millis: 5))],
                              lessonState: ["status": "scheduled"], lastSeq: 12, heartbeatMs: 15000)
        let json = try object(encoder.encode(welcome))
        #expect(Set(json.keys) == ["type", "server_time", "you", "connection_id", "lesson", "online", "lesson_state", "last_seq", "heartbeat_ms"])
        #expect(json["type"] as? String == "welcome")
        #expect(json["id"] == nil)
        let lesson = try #require(json["lesson"] as? [String: Any])
        #expect(Set(lesson.keys) == ["id", "subject", "topic", "grade", "model", "scheduled_start", "hub_teacher", "classrooms"])
        let classroom = try #require((lesson["classrooms"] as? [[String: Any]])?.first)
        #expect(Set(classroom.keys) == ["id", "name", "school_id", "school_name", "local_teacher_id"])
        let online = try #require((json["online"] as? [[String: Any]])?.first)
        #expect(Set(online.keys) == ["participant", "connections", "since"])
    }

    @Test func typeAndIDComeFirstInTheFramingOnly() {
        // A message field named like the frame keys would collide; none of the server messages has one.
        for text in [text(encoder.encode(Ack(of: "x"), id: "1")), text(encoder.encode(KeyframeNeeded(track: .camera)))] {
            #expect(text.hasPrefix("{"))
            #expect(text.components(separatedBy: "\"type\":").count == 2)
        }
    }
}
