import Foundation
import Testing
import TirekCore
@testable import TirekAttendance

@Suite("Event encoding")
struct EventCodingTests {
    @Test func eventsUseFlatSnakeCaseObjects() throws {
        #expect(try jsonString(AttendanceEvent.connectionOpened(connection: "c1", participant: "s1", role: .classroom,
                                                                classroom: "k1", at: Instant(millis: 7)))
            == #"{"at":7,"classroom_id":"k1","connection_id":"c1","participant_id":"s1","role":"classroom","type":"connection_opened"}"#)
        #expect(try jsonString(AttendanceEvent.rollCall(RollCallMark(student: "s", classroom: "k1", status: .absent,
                                                                     reason: .other("bus"), markedBy: "t",
                                                                     effectiveFrom: Instant(millis: 1), at: Instant(millis: 2))))
            == #"{"at":2,"classroom_id":"k1","effective_from":1,"marked_by":"t","reason":{"code":"other","text":"bus"},"status":"absent","student_id":"s","type":"roll_call"}"#)
        #expect(try jsonString(AttendanceEvent.lessonPaused(at: Instant(millis: 3))) == #"{"at":3,"type":"lesson_paused"}"#)
    }

    @Test func everyKindRoundTrips() throws {
        let events: [AttendanceEvent] = [
            .lessonStarted(at: at(0)), .phaseStarted(phase: "organisation", at: at(0)), .lessonPaused(at: at(1)),
            .lessonResumed(at: at(2)), .lessonEnded(at: at(3)),
            .connectionOpened(connection: "c", participant: "p", role: .student, classroom: nil, at: at(0)),
            .connectionClosed(connection: "c", cause: .crashRecovery, at: at(1)),
            .heartbeat(connection: "c", at: at(1)),
            .rollCall(RollCallMark(student: "s", classroom: "k", status: .present, at: at(1))),
            .rollCall(RollCallMark(student: "s", classroom: "k", status: .absent, reason: .noInternet, at: at(1))),
            .hubStream(classroom: "k", available: false, at: at(1)),
        ]
        #expect(try roundTrip(events) == events)
    }

    @Test func unknownTypesAndReasonsAreErrors() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AttendanceEvent.self, from: Data(#"{"type":"nope","at":1}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AbsenceReason.self, from: Data(#"{"code":"bored"}"#.utf8))
        }
        #expect(AbsenceReason(code: "no_internet") == .noInternet)
    }

    @Test func closeCauseDefaultsToClosed() throws {
        let event = try JSONDecoder().decode(AttendanceEvent.self,
                                             from: Data(#"{"type":"connection_closed","at":1,"connection_id":"c"}"#.utf8))
        #expect(event == .connectionClosed(connection: "c", cause: .closed, at: Instant(millis: 1)))
    }
}
