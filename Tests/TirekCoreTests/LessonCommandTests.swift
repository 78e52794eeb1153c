import Testing
@testable import TirekCore

@Suite("Lesson commands: handover, extension, pause, permissions, staleness")
struct LessonCommandTests {
    typealias F = LessonFixture

    @Test func earlyHandoverByCurrentLeads() {
        var e = F.running()
        let s1 = e.command(.handOver, F.local("c1"), at: F.at(3), expectedPhase: 0)
        #expect(s1.refusal == nil)
        #expect(s1.records.count == 1)
        #expect(s1.records[0].why == .earlyHandover)
        #expect(s1.records[0].by == "lt-c1")
        #expect(s1.records[0].to == LessonPoint(status: .running, phaseIndex: 1, phaseID: "operational", lead: .hub,
                                                plannedEnd: F.at(33)))
        #expect(e.phaseStartedAt == F.at(3))
        // the hub teacher hands the operational phase over early
        let s2 = e.command(.handOver, F.hub, at: F.at(30), expectedPhase: 1)
        #expect(s2.refusal == nil)
        #expect(e.phaseIndex == 2)
        #expect(e.plannedEnd == F.at(40))
        #expect(e.effectiveLead == .local)
    }

    @Test func localTeacherMayNotHandOverOrExtendWhileHubLeads() {
        var e = F.running()
        _ = e.tick(at: F.at(5))
        expectRefused(&e, .handOver, F.local("c1"), at: F.at(6), code: .forbidden)
        expectRefused(&e, .extend(minutes: 1), F.local("c1"), at: F.at(6), code: .forbidden)
        #expect(e.phaseIndex == 1)
    }

    @Test func hubTeacherAndAdminMayHandOverALocalPhase() {
        var e = F.running()
        #expect(e.command(.handOver, F.hub, at: F.at(4)).refusal == nil)
        #expect(e.phaseIndex == 1)
        var a = F.running()
        #expect(a.command(.handOver, F.admin, at: F.at(4)).refusal == nil)
        #expect(a.phaseIndex == 1)
    }

    @Test func extensionWithinMaximumAndRefusedBeyond() {
        var e = F.running()
        _ = e.tick(at: F.at(35))
        #expect(e.phaseIndex == 2)
        #expect(e.plannedEnd == F.at(45))
        let s = e.command(.extend(minutes: 3), F.local("c2"), at: F.at(40))
        #expect(s.refusal == nil)
        #expect(s.records == [TransitionRecord(
            seq: 5, at: F.at(40),
            from: LessonPoint(status: .running, phaseIndex: 2, phaseID: "reflection", lead: .local, plannedEnd: F.at(45)),
            to: LessonPoint(status: .running, phaseIndex: 2, phaseID: "reflection", lead: .local, plannedEnd: F.at(48)),
            by: "lt-c2", byRole: .localTeacher, why: .extension, minutes: 3)])
        #expect(e.phaseLength == .minutes(13))
        let refusal = expectRefused(&e, .extend(minutes: 3), F.hub, at: F.at(41), code: .invalidValue)
        #expect(refusal?.message == "phase reflection may last at most 15 minutes; 2 more minute(s) allowed, asked for 3")
        #expect(e.command(.extend(minutes: 2), F.hub, at: F.at(41)).refusal == nil)
        #expect(e.plannedEnd == F.at(50))
        expectRefused(&e, .extend(minutes: 1), F.admin, at: F.at(42), code: .invalidValue)
        expectRefused(&e, .extend(minutes: 0), F.admin, at: F.at(42), code: .invalidValue)
        expectRefused(&e, .extend(minutes: -5), F.admin, at: F.at(42), code: .invalidValue)
        expectRefused(&e, .extend(minutes: Int.max), F.admin, at: F.at(42), code: .invalidValue)
        _ = e.tick(at: F.at(50))
        #expect(e.status == .ended)
    }

    @Test func operationalAtMaximumAndFixedOrganisationCannotBeExtended() {
        var e = F.running()
        expectRefused(&e, .extend(minutes: 1), F.local("c1"), at: F.at(1), code: .invalidValue)
        _ = e.tick(at: F.at(5))
        expectRefused(&e, .extend(minutes: 1), F.hub, at: F.at(6), code: .invalidValue)
        var short = F.running(F.config(minutes: ["operational": 25]))
        _ = short.tick(at: F.at(5))
        #expect(short.plannedEnd == F.at(30))
        #expect(short.command(.extend(minutes: 5), F.hub, at: F.at(6)).refusal == nil)
        #expect(short.plannedEnd == F.at(35))
    }

    @Test func pauseAndResumeShiftPlannedEndByThePauseLength() {
        var e = F.running()
        _ = e.tick(at: F.at(5))
        let p = e.command(.pause, F.hub, at: F.at(15), expectedPhase: 1)
        #expect(p.records.map(\.why) == [.pause])
        #expect(p.records[0].to.status == .paused)
        #expect(e.status == .paused)
        #expect(e.pausedAt == F.at(15))
        // the clock stops: no handoff while paused, even long past the old planned end
        #expect(e.nextDeadline == nil)
        #expect(e.tick(at: F.at(40)).isEmpty)
        #expect(e.phaseIndex == 1)
        let snap = e.snapshot(at: F.at(40))
        #expect(snap.remaining == .minutes(20))
        #expect(snap.elapsed == .minutes(10))
        #expect(snap.pausedAt == F.at(15))
        #expect(snap.pausedTotal == .minutes(25))
        #expect(snap.pendingHandoff?.at == nil)
        #expect(snap.hubStream == .paused)
        let r = e.command(.resume, F.admin, at: F.at(40))
        #expect(r.records == [TransitionRecord(
            seq: 5, at: F.at(40),
            from: LessonPoint(status: .paused, phaseIndex: 1, phaseID: "operational", lead: .hub, plannedEnd: F.at(35)),
            to: LessonPoint(status: .running, phaseIndex: 1, phaseID: "operational", lead: .hub, plannedEnd: F.at(60)),
            by: "admin-1", byRole: .admin, why: .resume)])
        #expect(e.plannedEnd == F.at(60))
        #expect(e.phasePausedTotal == .minutes(25))
        #expect(e.lessonPausedTotal == .minutes(25))
        let after = e.snapshot(at: F.at(50))
        #expect(after.remaining == .minutes(10))
        #expect(after.elapsed == .minutes(20))
        // a second pause adds up
        _ = e.command(.pause, F.hub, at: F.at(50))
        _ = e.command(.resume, F.hub, at: F.at(52, 30))
        #expect(e.plannedEnd == F.at(62, 30))
        #expect(e.lessonPausedTotal == .minutes(27) + .seconds(30))
        let recs = records(e.tick(at: F.at(62, 30)))
        #expect(recs.map(\.why) == [.scheduled])
        #expect(e.phaseIndex == 2)
        #expect(e.phasePausedTotal == .zero)
        #expect(e.lessonPausedTotal == .minutes(27) + .seconds(30))
        #expect(e.plannedEnd == F.at(72, 30))
    }

    @Test func commandsThatDoNotFitPauseOrRunning() {
        var e = F.running()
        expectRefused(&e, .resume, F.hub, at: F.at(1), code: .invalidState)
        _ = e.command(.pause, F.hub, at: F.at(2))
        #expect(expectRefused(&e, .handOver, F.hub, at: F.at(3), code: .invalidState)?.message == "the lesson is paused")
        expectRefused(&e, .extend(minutes: 1), F.hub, at: F.at(3), code: .invalidState)
        expectRefused(&e, .pause, F.hub, at: F.at(3), code: .invalidState)
        expectRefused(&e, .start, F.hub, at: F.at(3), code: .invalidState)
        var lobby = F.lobby()
        for kind: LessonCommand.Kind in [.handOver, .extend(minutes: 1), .pause, .resume] {
            expectRefused(&lobby, kind, F.hub, at: F.at(-5), code: .invalidState)
        }
    }

    static let everyKind: [LessonCommand.Kind] = [.start, .handOver, .extend(minutes: 1), .pause, .resume, .end]

    /// An engine in the state where `kind` fits and the hub teacher could send it.
    static func fitting(_ kind: LessonCommand.Kind) -> LessonEngine {
        switch kind {
        case .start: return F.lobby()
        case .resume:
            var e = F.running()
            _ = e.command(.pause, F.hub, at: F.at(1))
            return e
        case .handOver, .extend, .pause, .end:
            var e = F.running()
            _ = e.tick(at: F.at(35)) // reflection: local-led, room to extend
            return e
        }
    }

    @Test(arguments: [F.student, F.screen, F.assistant, F.observer])
    func rolesThatMayNeverSendCommands(_ who: Participant) {
        for kind in Self.everyKind {
            var e = Self.fitting(kind)
            let refusal = expectRefused(&e, kind, who, at: F.at(36), code: .forbidden)
            #expect(refusal?.message == "\(who.role.rawValue) may not send \(kind.name)")
        }
    }

    @Test(arguments: [LessonCommand.Kind.pause, .resume, .end])
    func localTeacherMayNotPauseResumeOrEnd(_ kind: LessonCommand.Kind) {
        var e = Self.fitting(kind)
        expectRefused(&e, kind, F.local("c1"), at: F.at(36), code: .forbidden)
    }

    @Test func permittedRolesPerCommand() {
        #expect(LessonEngine.rolesAllowed(.start) == [.hubTeacher, .localTeacher, .admin])
        #expect(LessonEngine.rolesAllowed(.handOver) == [.hubTeacher, .localTeacher, .admin])
        #expect(LessonEngine.rolesAllowed(.extend(minutes: 2)) == [.hubTeacher, .localTeacher, .admin])
        #expect(LessonEngine.rolesAllowed(.pause) == [.hubTeacher, .admin])
        #expect(LessonEngine.rolesAllowed(.resume) == [.hubTeacher, .admin])
        #expect(LessonEngine.rolesAllowed(.end) == [.hubTeacher, .admin])
        for kind in Self.everyKind {
            for role in [Role.hubTeacher, .admin] {
                var e = Self.fitting(kind)
                let p = Participant(id: "p", role: role, displayName: "P")
                #expect(e.command(kind, p, at: F.at(36)).refusal == nil, "\(role) \(kind.name)")
            }
        }
    }

    @Test func staleHandOverFromALateClientDoesNotSkipAPhase() {
        var e = F.running()
        // the automatic handoff at 5:00 happens first; the late click was meant for phase 0
        let step = e.command(.handOver, F.local("c1"), at: F.at(5), expectedPhase: 0)
        #expect(step.records.map(\.why) == [.scheduled])
        #expect(step.refusal == Refusal(.staleCommand, "hand_over was for phase 0, the current phase is 1"))
        #expect(e.phaseIndex == 1)
    }

    @Test func duplicateHandOverIsStale() {
        var e = F.running()
        #expect(e.command(.handOver, F.local("c1"), at: F.at(2), expectedPhase: 0).refusal == nil)
        // a duplicate is stale whoever sends it; a local teacher with the current phase is forbidden
        expectRefused(&e, .handOver, F.hub, at: F.at(2), expectedPhase: 0, code: .staleCommand)
        expectRefused(&e, .handOver, F.local("c2"), at: F.at(2), expectedPhase: 0, code: .staleCommand)
        expectRefused(&e, .handOver, F.local("c2"), at: F.at(2), expectedPhase: 1, code: .forbidden)
        #expect(e.phaseIndex == 1)
    }

    @Test func duplicateExtendWithExpectedSeqIsStale() {
        var e = F.running()
        _ = e.tick(at: F.at(35))
        let seq = e.seq
        #expect(e.command(.extend(minutes: 1), F.hub, at: F.at(36), expectedSeq: seq).refusal == nil)
        let r = expectRefused(&e, .extend(minutes: 1), F.hub, at: F.at(36), expectedSeq: seq, code: .staleCommand)
        #expect(r?.message == "extend was sent at seq 4, the lesson is at seq 5")
        #expect(e.plannedEnd == F.at(46))
        expectRefused(&e, .pause, F.hub, at: F.at(37), expectedPhase: 1, code: .staleCommand)
        expectRefused(&e, .end, F.hub, at: F.at(37), expectedPhase: 0, code: .staleCommand)
    }

    @Test func checkOrderStateBeforeStaleness() {
        var e = F.running()
        _ = e.command(.end, F.hub, at: F.at(1))
        // ended: a stale hand_over reads as invalid_state, not stale_command
        expectRefused(&e, .handOver, F.hub, at: F.at(2), expectedPhase: 0, code: .invalidState)
        // forbidden role wins over everything
        expectRefused(&e, .handOver, F.observer, at: F.at(2), expectedPhase: 7, code: .forbidden)
    }
}
