import Testing
@testable import TirekCore

@Suite("Handoff warnings")
struct LessonWarningTests {
    typealias F = LessonFixture

    @Test func eachWarningEmittedOnceWhenTickingEverySecond() {
        var e = F.running()
        var seen: [HandoffWarning] = []
        var t = F.t0
        while t < F.at(5) {
            t = t + .seconds(1)
            seen += warnings(e.tick(at: t))
        }
        #expect(seen == [
            HandoffWarning(at: F.at(3), phaseIndex: 0, phaseID: "organisation", lead: .local, nextPhaseIndex: 1,
                           nextPhaseID: "operational", nextLead: .hub, handoffAt: F.at(5), before: .minutes(2),
                           remaining: .minutes(2)),
            HandoffWarning(at: F.at(4, 30), phaseIndex: 0, phaseID: "organisation", lead: .local, nextPhaseIndex: 1,
                           nextPhaseID: "operational", nextLead: .hub, handoffAt: F.at(5), before: .seconds(30),
                           remaining: .seconds(30)),
        ])
        // ticking again at the same instants emits nothing more
        #expect(warnings(e.tick(at: F.at(5))).isEmpty)
    }

    @Test func nextDeadlineWalksWarningsThenHandoff() {
        var e = F.running()
        #expect(e.nextDeadline == F.at(3))
        _ = e.tick(at: F.at(3))
        #expect(e.nextDeadline == F.at(4, 30))
        _ = e.tick(at: F.at(4, 30))
        #expect(e.nextDeadline == F.at(5))
        _ = e.tick(at: F.at(5))
        #expect(e.nextDeadline == F.at(33))
    }

    @Test func lastPhaseWarnsThatTheLessonEnds() {
        var e = F.running()
        _ = e.tick(at: F.at(35))
        let w = warnings(e.tick(at: F.at(43)))
        #expect(w.count == 1)
        #expect(w[0].phaseID == "reflection")
        #expect(w[0].nextPhaseIndex == nil)
        #expect(w[0].nextLead == nil)
        #expect(w[0].handoffAt == F.at(45))
    }

    @Test func lateTickEmitsOnlyTheMostUrgentWarningWithTheActualRemainingTime() {
        var e = F.running()
        let w = warnings(e.tick(at: F.at(4, 40)))
        #expect(w.count == 1)
        #expect(w[0].before == .seconds(30))
        #expect(w[0].remaining == .seconds(20))
        #expect(w[0].at == F.at(4, 40))
        #expect(warnings(e.tick(at: F.at(4, 50))).isEmpty)
    }

    @Test func noWarningForAHandoffThatIsAlsoOverdue() {
        var e = F.running()
        let actions = e.tick(at: F.at(5, 10))
        #expect(warnings(actions).isEmpty)
        #expect(records(actions).map(\.why) == [.scheduled])
    }

    @Test func warningsLongerThanThePhaseAreSkipped() {
        var e = F.running(F.config(warnings: [.minutes(10), .minutes(1)]))
        var seen: [HandoffWarning] = []
        for s in stride(from: Int64(1), through: 300, by: 1) { seen += warnings(e.tick(at: F.at(0, s))) }
        #expect(seen.map(\.before) == [.minutes(1)])
        #expect(seen.map(\.at) == [F.at(4)])
    }

    @Test func extensionReArmsWarningsForTheNewEnd() {
        var e = F.running()
        _ = e.tick(at: F.at(35))
        #expect(warnings(e.tick(at: F.at(43))).map(\.before) == [.minutes(2)])
        _ = e.command(.extend(minutes: 3), F.local("c1"), at: F.at(43, 10))
        #expect(e.nextDeadline == F.at(46))
        #expect(warnings(e.tick(at: F.at(45))).isEmpty)
        let w = warnings(e.tick(at: F.at(46)))
        #expect(w.map(\.before) == [.minutes(2)])
        #expect(w.map(\.handoffAt) == [F.at(48)])
        #expect(warnings(e.tick(at: F.at(47, 30))).map(\.before) == [.seconds(30)])
    }

    @Test func extensionAfterBothWarningsOnlyReArmsTheOnesNowInTheFuture() {
        var e = F.running()
        _ = e.tick(at: F.at(35))
        _ = e.tick(at: F.at(43))
        _ = e.tick(at: F.at(44, 30))
        // 20 s left; +1 min → 80 s left: the 30 s warning re-arms, the 2 min one stays spent
        _ = e.command(.extend(minutes: 1), F.hub, at: F.at(44, 40))
        #expect(e.nextDeadline == F.at(45, 30))
        #expect(warnings(e.tick(at: F.at(45, 30))).map(\.before) == [.seconds(30)])
    }

    @Test func pauseHoldsWarningsUntilResume() {
        var e = F.running()
        _ = e.tick(at: F.at(2))
        _ = e.command(.pause, F.hub, at: F.at(2, 30))
        #expect(warnings(e.tick(at: F.at(10))).isEmpty)
        _ = e.command(.resume, F.hub, at: F.at(10))
        // 2.5 minutes were left at the pause → warning at 10:30, handoff at 12:30
        #expect(e.plannedEnd == F.at(12, 30))
        #expect(e.nextDeadline == F.at(10, 30))
        #expect(warnings(e.tick(at: F.at(10, 30))).map(\.before) == [.minutes(2)])
    }
}
