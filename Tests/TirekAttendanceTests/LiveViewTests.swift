import Testing
import TirekCore
@testable import TirekAttendance

@Suite("Live view and actions")
struct LiveViewTests {
    @Test func actionsReportFirstConnectionAndLastDrop() {
        var ledger = AttendanceLedger()
        _ = ledger.apply(.lessonStarted(at: at(0)))
        let phone = AttendanceEvent.connectionOpened(connection: "p", participant: "s", role: .student, classroom: "k1", at: at(1))
        let laptop = AttendanceEvent.connectionOpened(connection: "l", participant: "s", role: .student, classroom: "k1", at: at(2))
        #expect(ledger.apply(phone) == [.participantConnected(participant: "s", role: .student, classroom: "k1",
                                                              returning: false, at: at(1))])
        #expect(ledger.apply(laptop).isEmpty) // already connected
        #expect(ledger.apply(.connectionClosed(connection: "p", cause: .closed, at: at(3))).isEmpty)
        #expect(ledger.apply(.connectionClosed(connection: "l", cause: .timedOut, at: at(4)))
            == [.participantDropped(participant: "s", role: .student, classroom: "k1", at: at(4))])
        let back = AttendanceEvent.connectionOpened(connection: "p2", participant: "s", role: .student, classroom: "k1", at: at(6))
        #expect(ledger.apply(back) == [.participantConnected(participant: "s", role: .student, classroom: "k1",
                                                             returning: true, at: at(6))])
    }

    @Test func liveViewShowsWhoIsConnectedAndWhoDropped() {
        var log = Log()
        log.start(at(0))
        log.open("a", at(-1))
        log.session("b", at(1), at(5))
        log.session("c", at(1), at(3))
        log.open("c", at(4))
        log.open("c", at(6))
        log.open("hub", at(0), role: .hubTeacher, classroom: nil)
        let view = log.ledger().liveView(at: at(10))
        #expect(view.lessonState == .running)
        #expect(view.connected.map(\.participant) == ["a", "c", "hub"])
        #expect(view.dropped.map(\.participant) == ["b"])
        let b = view.participants.first { $0.participant == "b" }
        #expect(b?.lastLeft == at(5) && b?.connectedSince == nil && b?.drops == 1)
        let c = view.participants.first { $0.participant == "c" }
        #expect(c?.openConnections == 2 && c?.connectedSince == at(4) && c?.drops == 1)
        let a = view.participants.first { $0.participant == "a" }
        #expect(a?.connectedSince == at(-1) && a?.drops == 0)
        #expect(view.participants.first { $0.participant == "hub" }?.role == .hubTeacher)
    }

    @Test func connectionOpenedThisInstantIsConnectedSinceNow() {
        var log = Log()
        log.start(at(0))
        log.session("s", at(1), at(2))
        log.open("s", at(10))
        let s = log.ledger().liveView(at: at(10)).participants.first
        #expect(s?.connected == true && s?.connectedSince == at(10) && s?.lastLeft == nil && s?.drops == 1)
    }

    @Test func connectionClosedThisInstantIsADropAlready() {
        var log = Log()
        log.start(at(0))
        log.session("s", at(1), at(10))
        log.open("t", at(1))
        let view = log.ledger().liveView(at: at(10))
        let s = view.participants.first { $0.participant == "s" }
        #expect(s?.connected == false && s?.lastLeft == at(10) && s?.drops == 1)
        // A connection still open at the same instant is not a drop.
        #expect(view.participants.first { $0.participant == "t" }?.drops == 0)
        // Nor is one that closed exactly when the lesson started (nothing of the lesson was missed yet).
        var before = Log()
        before.start(at(0))
        before.session("u", at(-5), at(0))
        #expect(before.ledger().liveView(at: at(0)).participants.first?.drops == 0)
    }

    @Test func actionsEncodeWithStableNames() throws {
        let action = AttendanceAction.participantDropped(participant: "s", role: .student, classroom: "k1", at: Instant(millis: 5))
        #expect(try jsonString(action)
            == #"{"at":5,"classroom_id":"k1","participant_id":"s","role":"student","type":"participant_dropped"}"#)
        #expect(try roundTrip(action) == action)
        let rejected = AttendanceAction.rejected(code: .invalidState, message: "no")
        #expect(try roundTrip(rejected) == rejected)
    }
}
