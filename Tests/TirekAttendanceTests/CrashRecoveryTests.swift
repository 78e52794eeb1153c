import Testing
import TirekCore
@testable import TirekAttendance

@Suite("Crash recovery")
struct CrashRecoveryTests {
    /// Lesson from 09:00; s1 on a device with heartbeats, s2 without any, the k1 screen with
    /// heartbeats; the server is killed at 09:20:30 (last heartbeats at 09:20).
    func logBeforeCrash() -> Log {
        var log = Log()
        log.start(at(0))
        log.phase("organisation", at(0))
        log.phase("operational", at(10))
        let s1 = log.open("s1", at(0), connection: "c-s1")
        log.open("s2", at(5), connection: "c-s2")
        let screen = log.open("screen-k1", at(0), role: .classroom, connection: "c-screen")
        for minute in stride(from: Int64(1), through: 20, by: 1) {
            log.heartbeat(s1, at(minute))
            log.heartbeat(screen, at(minute))
        }
        log.heartbeat(s1, at(19, 30)) // older than the newest: ignored
        return log
    }

    @Test func closesOpenConnectionsAtTheirLastHeartbeat() {
        var ledger = logBeforeCrash().ledger()
        let closes = ledger.recoverAfterCrash(at: at(23))
        #expect(closes == [
            .connectionClosed(connection: "c-s1", cause: .crashRecovery, at: at(20)),
            .connectionClosed(connection: "c-s2", cause: .crashRecovery, at: at(5)),
            .connectionClosed(connection: "c-screen", cause: .crashRecovery, at: at(20)),
        ])
        #expect(ledger.connectionSessions.allSatisfy { !$0.isOpen })
        #expect(ledger.recoverAfterCrash(at: at(24)).isEmpty)
    }

    @Test func persistedRecoveryEventsReplayToTheSameLedger() {
        let log = logBeforeCrash()
        var recovered = log.ledger()
        let closes = recovered.recoverAfterCrash(at: at(23))
        let replayed = AttendanceLedger(replaying: log.events + closes)
        #expect(replayed == recovered)
        // Recovering the same log twice (a crash before the closes were persisted) gives the same events.
        var again = log.ledger()
        #expect(again.recoverAfterCrash(at: at(23)) == closes)
    }

    @Test func sessionsContinueWhenClientsReconnect() {
        var log = logBeforeCrash()
        var ledger = log.ledger()
        log.events += ledger.recoverAfterCrash(at: at(23))
        // The server is back at 09:23; s1 reconnects at 09:24, the screen at 09:23:30; s2 never.
        log.open("s1", at(24), connection: "c-s1-again")
        log.open("screen-k1", at(23, 30), role: .classroom, connection: "c-screen-again")
        log.end(at(45))
        ledger = log.ledger()
        let s1 = ledger.studentFigures(for: "s1", at: at(50))
        #expect(s1.onlineMs == minutes(20) + minutes(21)) // 09:00–09:20 and 09:24–09:45
        #expect(s1.drops == 1 && s1.joins == 2)
        #expect(s1.longestGapMs == minutes(4))
        let s2 = ledger.studentFigures(for: "s2", at: at(50))
        #expect(s2.onlineMs == .zero) // opened at 09:05, never heard of again: closed where it opened
        #expect(s2.status == .absent)
        let k1 = ledger.classroomFigures(for: "k1", at: at(50))
        #expect(k1.screenOnlineMs == minutes(20) + minutes(21, 30))
        #expect(k1.screenDrops == 1)
    }

    @Test func recoveryNeverClosesAfterTheRestartInstant() {
        var log = Log()
        log.start(at(0))
        let c = log.open("s", at(0))
        log.heartbeat(c, at(30)) // a heartbeat stamped by a clock that ran ahead
        var ledger = log.ledger()
        #expect(ledger.recoverAfterCrash(at: at(10)) == [.connectionClosed(connection: c, cause: .crashRecovery, at: at(10))])
    }

    @Test func heartbeatAfterRecoveryIsRejected() {
        var ledger = logBeforeCrash().ledger()
        _ = ledger.recoverAfterCrash(at: at(23))
        #expect(ledger.apply(.heartbeat(connection: "c-s1", at: at(24))).first?.refusal?.code == .attendanceConnectionNotOpen)
    }

    @Test func snapshotSurvivesEncoding() throws {
        let ledger = logBeforeCrash().ledger()
        #expect(try roundTrip(ledger) == ledger)
    }
}
