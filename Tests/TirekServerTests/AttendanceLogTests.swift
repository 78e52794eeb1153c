import Foundation
import Testing
import TirekAttendance
import TirekCore
import TirekStore
@_spi(Benchmarks) @testable import TirekServer

/// The mapping from lesson-log entries to attendance events: the one place live rooms and
/// reports both read the log through.
@Suite struct AttendanceLogTests {
    let at = Instant(millis: 1_000)

    func record(_ from: LessonPoint, _ to: LessonPoint, _ why: TransitionReason) -> TransitionRecord {
        TransitionRecord(seq: 1, at: at, from: from, to: to, by: nil, byRole: nil, why: why)
    }

    func running(_ index: Int, _ id: String, lead: Lead = .hub) -> LessonPoint {
        LessonPoint(status: .running, phaseIndex: index, phaseID: id, lead: lead)
    }

    @Test func transitionsBecomeLifecycleEvents() {
        #expect(AttendanceLog.lifecycle(record(LessonPoint(status: .scheduled), LessonPoint(status: .lobby), .lobbyOpened)) == [])
        #expect(AttendanceLog.lifecycle(record(LessonPoint(status: .lobby), running(0, "organisation"), .started))
                == [.lessonStarted(at: at), .phaseStarted(phase: "organisation", at: at)])
        #expect(AttendanceLog.lifecycle(record(running(0, "organisation"), running(1, "operational"), .scheduled))
                == [.phaseStarted(phase: "operational", at: at)])
        // Same phase, other lead or a longer plan: nothing for attendance.
        #expect(AttendanceLog.lifecycle(record(running(1, "operational"), running(1, "operational", lead: .local), .fallback)) == [])
        #expect(AttendanceLog.lifecycle(record(running(1, "operational"), running(1, "operational"), .extension)) == [])
        var paused = running(1, "operational")
        paused.status = .paused
        #expect(AttendanceLog.lifecycle(record(running(1, "operational"), paused, .pause)) == [.lessonPaused(at: at)])
        #expect(AttendanceLog.lifecycle(record(paused, running(1, "operational"), .resume)) == [.lessonResumed(at: at)])
        #expect(AttendanceLog.lifecycle(record(paused, LessonPoint(status: .ended), .endedEarly)) == [.lessonEnded(at: at)])
        #expect(AttendanceLog.lifecycle(record(running(2, "reflection"), LessonPoint(status: .ended), .scheduled)) == [.lessonEnded(at: at)])
        // Ending a lesson that never started is not an attendance event.
        #expect(AttendanceLog.lifecycle(record(LessonPoint(status: .lobby), LessonPoint(status: .ended), .endedEarly)) == [])
    }

    @Test func presenceHeartbeatsAndOwnEntries() throws {
        func entry(_ kind: String, actor: ParticipantID? = nil, _ json: String) -> StoredEvent {
            StoredEvent(lessonID: "L", at: at, kind: kind, actor: actor, body: Data(json.utf8))
        }
        #expect(AttendanceLog.events(from: entry("presence.joined", actor: "s1", #"{"change":"joined","classroom_id":"c1","connection":7,"role":"student"}"#))
                == [.connectionOpened(connection: "7", participant: "s1", role: .student, classroom: "c1", at: at)])
        // An entry written before presence carried the classroom: the roster says.
        #expect(AttendanceLog.events(from: entry("presence.joined", actor: "screen-c2", #"{"change":"joined","connection":8,"role":"classroom"}"#),
                                     classrooms: ["screen-c2": "c2"])
                == [.connectionOpened(connection: "8", participant: "screen-c2", role: .classroom, classroom: "c2", at: at)])
        #expect(AttendanceLog.events(from: entry("presence.left", actor: "s1", #"{"change":"left","connection":7,"role":"student"}"#))
                == [.connectionClosed(connection: "7", cause: .closed, at: at)])
        #expect(AttendanceLog.events(from: entry("presence.left", actor: "s1", #"{"change":"left_at_restart","connection":7,"role":"student"}"#))
                == [.connectionClosed(connection: "7", cause: .crashRecovery, at: at)])
        #expect(AttendanceLog.events(from: entry(AttendanceLog.heartbeat, #"{"connections":[3,9]}"#))
                == [.heartbeat(connection: "3", at: at), .heartbeat(connection: "9", at: at)])
        let mark = AttendanceEvent.rollCall(RollCallMark(student: "s2", classroom: "c1", status: .absent, reason: .illness, markedBy: "t1", at: at))
        #expect(AttendanceLog.events(from: StoredEvent(lessonID: "L", at: at, kind: AttendanceLog.rollCall, actor: "t1",
                                                       body: try JSONEncoder().encode(mark))) == [mark])
        #expect(AttendanceLog.events(from: entry("lesson.event", #"{"tick":{}}"#)) == [])
        #expect(AttendanceLog.events(from: entry("presence.joined", #"not json"#)) == [])
    }
}
