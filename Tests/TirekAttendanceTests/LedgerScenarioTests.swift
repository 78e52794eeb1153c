import Testing
import TirekCore
@testable import TirekAttendance

@Suite("Hand-computed lesson")
struct LedgerScenarioTests {
    let ledger = handScenario().ledger()
    let end = at(60)

    func figures(_ id: ParticipantID) -> StudentFigures { ledger.studentFigures(for: id, at: end) }

    @Test func lessonFigures() {
        let lesson = ledger.lessonFigures(at: end)
        #expect(lesson.state == .ended)
        #expect(lesson.runningMs == minutes(40))
        #expect(lesson.phases == [PhaseTime(phase: "organisation", ms: minutes(10)),
                                  PhaseTime(phase: "operational", ms: minutes(20)),
                                  PhaseTime(phase: "reflection", ms: minutes(10))])
        #expect(lesson.lateAfter == at(10))
    }

    @Test func onTimeStudentStillConnectedAtTheEnd() {
        let a = figures("a")
        #expect(a.onlineMs == minutes(40))
        #expect(a.status == .present)
        #expect(a.firstJoin == at(0))
        #expect(a.lastLeave == at(45))
        #expect(a.joins == 1 && a.drops == 0)
        #expect(a.longestGapMs == .zero)
    }

    @Test func lateJoiner() {
        let b = figures("b")
        #expect(b.onlineMs == minutes(28))
        #expect(b.phase("organisation") == .zero)
        #expect(b.phase("operational") == minutes(18))
        #expect(b.phase("reflection") == minutes(10))
        #expect(b.status == .late)
        #expect(b.firstJoin == at(12))
        #expect(b.longestGapMs == minutes(12))
        #expect(b.drops == 0)
    }

    @Test func dropAndReturn() {
        let c = figures("c")
        #expect(c.onlineMs == minutes(37))
        #expect(c.phase("operational") == minutes(17))
        #expect(c.status == .present)
        #expect(c.joins == 2 && c.drops == 1)
        #expect(c.longestGapMs == minutes(3))
        #expect(c.lastLeave == at(45))
    }

    @Test func leavesEarly() {
        let d = figures("d")
        #expect(d.onlineMs == minutes(25))
        #expect(d.phase("operational") == minutes(15))
        #expect(d.phase("reflection") == .zero)
        #expect(d.status == .partial)
        #expect(d.drops == 1)
        #expect(d.lastLeave == at(30))
        #expect(d.longestGapMs == minutes(15))
    }

    @Test func neverCame() {
        let e = figures("e")
        #expect(e.onlineMs == .zero)
        #expect(e.status == .absent)
        #expect(e.reason == .illness)
        #expect(e.rollCall == .absent)
        #expect(e.firstJoin == nil && e.lastLeave == nil)
        #expect(e.joins == 0 && e.drops == 0)
        #expect(e.longestGapMs == minutes(40))
        #expect(e.phases.count == 3)
    }

    @Test func unknownStudentIsAbsent() {
        let z = figures("nobody")
        #expect(z.status == .absent && z.onlineMs == .zero && z.reason == nil)
    }

    @Test func overlappingDevicesCountedOnce() {
        let f = figures("f")
        #expect(f.onlineMs == minutes(40))
        #expect(f.joins == 1 && f.drops == 0)
    }

    @Test func dropDuringTheBreakCostsNothing() {
        let g = figures("g")
        #expect(g.onlineMs == minutes(40))
        #expect(g.drops == 1)
        #expect(g.longestGapMs == .zero)
        #expect(g.status == .present)
    }

    @Test func rollCallPresentCountsFromTheMark() {
        let h = figures("h")
        #expect(h.onlineMs == minutes(36))
        #expect(h.phase("organisation") == minutes(8))
        #expect(h.status == .present)
        #expect(h.firstJoin == at(2))
        #expect(h.drops == 1) // the screen dropped 09:40–09:42
        #expect(h.rollCall == .present)
        #expect(h.classroom == "k1")
    }

    @Test func rollCallAbsentStopsTheCount() {
        let i = figures("i")
        #expect(i.onlineMs == minutes(25))
        #expect(i.status == .partial)
        #expect(i.reason == .illness)
        #expect(i.lastLeave == at(30))
        #expect(i.rollCall == .absent)
    }

    @Test func rollCallCorrectionReplacesTheWrongMark() {
        let j = figures("j")
        #expect(j.onlineMs == minutes(38))
        #expect(j.status == .present)
        #expect(j.reason == nil)
    }

    @Test func rollCallLateArrivalKeepsItsReason() {
        let k = figures("k")
        #expect(k.onlineMs == minutes(23))
        #expect(k.status == .late)
        #expect(k.reason == .technicalProblem)
    }

    @Test func classroomFigures() {
        let k1 = ledger.classroomFigures(for: "k1", at: end)
        #expect(k1.screenOnlineMs == minutes(38))
        #expect(k1.screenJoins == 2 && k1.screenDrops == 1)
        #expect(k1.streamUnavailableMs == minutes(2))
        #expect(k1.withoutStreamMs == minutes(4))
        let nothing = ledger.classroomFigures(for: "k2", at: end)
        #expect(nothing.screenOnlineMs == .zero && nothing.withoutStreamMs == minutes(40))
    }

    @Test func knownStudentsAndClassrooms() {
        #expect(ledger.knownStudents == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "zz"])
        #expect(ledger.knownClassrooms == ["k1"])
    }

    @Test func figuresDuringTheLessonCountUpToNow() {
        // At 09:15 the lesson has run 15 minutes; a (connected since 08:58) has 15, b 3.
        let early = handScenario().events.filter { $0.at <= at(15) && $0.type != "lesson_ended" }
        let live = AttendanceLedger(replaying: early)
        #expect(live.lessonFigures(at: at(15)).runningMs == minutes(15))
        #expect(live.studentFigures(for: "a", at: at(15)).onlineMs == minutes(15))
        #expect(live.studentFigures(for: "b", at: at(15)).onlineMs == minutes(3))
        #expect(live.studentFigures(for: "a", at: at(15)).drops == 0)
    }
}

@Suite("Thresholds and edge rules")
struct ThresholdTests {
    @Test func presentThresholdIsConfigurableAndInclusive() {
        var log = Log()
        log.standardLesson { $0.session("s", at(0), at(29)) } // 29 - 5 = 24 of 40 = 60 %
        #expect(log.ledger(policy: .init(presentPercent: 60)).studentFigures(for: "s", at: at(50)).status == .present)
        #expect(log.ledger(policy: .init(presentPercent: 61)).studentFigures(for: "s", at: at(50)).status == .partial)
    }

    @Test func latePhaseIsConfigurable() {
        var log = Log()
        log.standardLesson { $0.session("s", at(12), at(45)) }
        #expect(log.ledger(policy: .init(latePhase: nil)).studentFigures(for: "s", at: at(50)).status == .partial)
        #expect(log.ledger(policy: .init(latePhase: "operational")).studentFigures(for: "s", at: at(50)).status == .partial)
        #expect(log.ledger().studentFigures(for: "s", at: at(50)).status == .late)
    }

    @Test func reconnectGraceMergesShortGapsForDropsOnly() {
        var log = Log()
        log.standardLesson { log in
            log.session("s", at(0), at(10))
            log.session("s", at(10, 3), at(45))
        }
        let strict = log.ledger().studentFigures(for: "s", at: at(50))
        let lenient = log.ledger(policy: .init(reconnectGrace: .seconds(5))).studentFigures(for: "s", at: at(50))
        #expect(strict.drops == 1 && strict.joins == 2)
        #expect(lenient.drops == 0 && lenient.joins == 1)
        #expect(strict.onlineMs == minutes(40) - .seconds(3))
        #expect(lenient.onlineMs == strict.onlineMs)
    }

    @Test func timeBeforeStartAndAfterEndDoesNotCount() {
        var log = Log()
        log.session("early", at(-30), at(-10))
        log.standardLesson { log in
            log.session("s", at(-10), at(70))
        }
        log.session("after", at(50), at(60))
        let ledger = log.ledger()
        #expect(ledger.studentFigures(for: "s", at: at(80)).onlineMs == minutes(40))
        #expect(ledger.studentFigures(for: "s", at: at(80)).joins == 1)
        #expect(ledger.studentFigures(for: "early", at: at(80)).status == .absent)
        #expect(ledger.studentFigures(for: "early", at: at(80)).joins == 0)
        #expect(ledger.studentFigures(for: "after", at: at(80)).status == .absent)
    }

    @Test func lessonEndedWhilePausedClosesTheBreak() {
        var log = Log()
        log.start(at(0))
        log.phase("operational", at(0))
        log.pause(at(30))
        log.end(at(40))
        log.session("s", at(0), at(40))
        let ledger = log.ledger()
        #expect(ledger.lessonFigures(at: at(50)).runningMs == minutes(30))
        #expect(ledger.studentFigures(for: "s", at: at(50)).onlineMs == minutes(30))
    }

    @Test func lifecycleEventsOutOfPlaceAreRejectedAndChangeNothing() {
        var ledger = AttendanceLedger()
        #expect(ledger.apply(.lessonPaused(at: at(0))).first?.refusal?.code == .invalidState)
        #expect(ledger.apply(.lessonEnded(at: at(0))).first?.refusal?.code == .invalidState)
        #expect(ledger.apply(.lessonStarted(at: at(0))).isEmpty)
        #expect(ledger.apply(.lessonStarted(at: at(1))).first?.refusal?.code == .invalidState)
        #expect(ledger.apply(.lessonResumed(at: at(1))).first?.refusal?.code == .invalidState)
        #expect(ledger.apply(.phaseStarted(phase: "", at: at(1))).first?.refusal?.code == .invalidValue)
        #expect(ledger.apply(.phaseStarted(phase: "organisation", at: at(1))).isEmpty)
        #expect(ledger.apply(.phaseStarted(phase: "organisation", at: at(2))).first?.refusal?.code == .invalidState)
        #expect(ledger.apply(.lessonEnded(at: at(10))).isEmpty)
        #expect(ledger.apply(.lessonEnded(at: at(11))).first?.refusal?.code == .invalidState)
        #expect(ledger.apply(.phaseStarted(phase: "reflection", at: at(12))).first?.refusal?.code == .invalidState)
        #expect(ledger.lessonFigures(at: at(20)).runningMs == minutes(10))
    }

    @Test func lifecycleClockStepBackIsClampedForward() {
        var log = Log()
        log.start(at(10))
        log.phase("organisation", at(10))
        log.pause(at(9)) // clock stepped back: taken as 09:10
        log.resume(at(15))
        log.end(at(20))
        let ledger = log.ledger()
        #expect(ledger.lessonFigures(at: at(30)).runningMs == minutes(5))
    }

    @Test func connectionErrorsAreRejected() {
        var ledger = AttendanceLedger()
        let open = AttendanceEvent.connectionOpened(connection: "x", participant: "s", role: .student, classroom: nil, at: at(0))
        #expect(ledger.apply(open).count == 1)
        #expect(ledger.apply(open).first?.refusal?.code == .attendanceConnectionAlreadyOpen)
        #expect(ledger.apply(.connectionClosed(connection: "y", cause: .closed, at: at(1))).first?.refusal?.code
            == .attendanceConnectionNotOpen)
        #expect(ledger.apply(.heartbeat(connection: "y", at: at(1))).first?.refusal?.code == .attendanceConnectionNotOpen)
        #expect(ledger.apply(.connectionOpened(connection: "scr", participant: "screen", role: .classroom,
                                               classroom: nil, at: at(0))).first?.refusal?.code == .invalidValue)
        #expect(ledger.apply(.rollCall(RollCallMark(student: "s", classroom: "k1", status: .absent,
                                                    reason: .other(""), at: at(1)))).first?.refusal?.code == .invalidValue)
    }

    @Test func closeBeforeOpenIsClampedToZeroLength() {
        var log = Log()
        log.standardLesson { log in
            let id = log.open("s", at(10))
            log.close(id, at(5))
        }
        let ledger = log.ledger()
        #expect(ledger.studentFigures(for: "s", at: at(50)).onlineMs == .zero)
        #expect(ledger.connectionSessions.first?.closedAt == at(10))
    }

    @Test func connectionIDMayBeReusedAfterClose() {
        var log = Log()
        log.standardLesson { log in
            log.open("s", at(0), connection: "same")
            log.close("same", at(10))
            log.open("s", at(20), connection: "same")
            log.close("same", at(30))
        }
        // 10 + (30 - 20 - 5 break) = 15
        #expect(log.ledger().studentFigures(for: "s", at: at(50)).onlineMs == minutes(15))
    }

    @Test func reconnectStormOfAHundredReconnects() {
        var gapped = Log()
        var seamless = Log()
        gapped.standardLesson { log in
            var t = at(0)
            for _ in 0..<100 {
                let id = log.open("s", t)
                t = t + .seconds(20)
                log.close(id, t)
                t = t + .seconds(1)
            }
            log.session("s", t, at(45))
        }
        seamless.standardLesson { log in
            var t = at(0)
            for _ in 0..<100 {
                let id = log.open("s", t)
                t = t + .seconds(20)
                log.close(id, t)
            }
            log.session("s", t, at(45))
        }
        // 100 one-second gaps at [21k + 20, 21k + 21) s after 09:00; those inside the break
        // (09:20–09:25) cost no running time.
        let gappedFigures = gapped.ledger().studentFigures(for: "s", at: at(50))
        let breakStart: Int64 = 20 * 60, breakEnd: Int64 = 25 * 60
        let lostSeconds = (0..<100).filter { k in
            let gap = Int64(21 * k + 20)
            return gap < breakStart || gap >= breakEnd
        }.count
        #expect(gappedFigures.onlineMs == minutes(40) - .seconds(Int64(lostSeconds)))
        #expect(gappedFigures.drops == 100 && gappedFigures.joins == 101)
        #expect(gappedFigures.longestGapMs == .seconds(1))
        let seamlessFigures = seamless.ledger().studentFigures(for: "s", at: at(50))
        #expect(seamlessFigures.onlineMs == minutes(40))
        #expect(seamlessFigures.drops == 0 && seamlessFigures.joins == 1)
        let graced = gapped.ledger(policy: .init(reconnectGrace: .seconds(1))).studentFigures(for: "s", at: at(50))
        #expect(graced.drops == 0 && graced.onlineMs == gappedFigures.onlineMs)
    }
}
