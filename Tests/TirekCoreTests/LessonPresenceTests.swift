import Testing
@testable import TirekCore

@Suite("Teacher drops, fallback and flags")
struct LessonPresenceTests {
    typealias F = LessonFixture

    /// Running hub lesson at 5:00 (operational), hub + local teachers of c1, c2 connected.
    static func operational(grace: Millis = .seconds(60)) -> LessonEngine {
        var e = F.running(F.config(grace: grace))
        _ = e.connect(F.local("c1"), at: F.at(0, 10))
        _ = e.connect(F.local("c2"), at: F.at(0, 10))
        _ = e.tick(at: F.at(5))
        return e
    }

    @Test func hubDropTellsClassroomsAtOnceAndReturnBeforeGraceKeepsTheLead() {
        var e = Self.operational()
        let drop = e.disconnect(F.hub, at: F.at(10))
        #expect(drop == [.hubTeacherAway(since: F.at(10), graceUntil: F.at(11))])
        #expect(e.hubAwaySince == F.at(10))
        #expect(e.effectiveLead == .hub)
        #expect(e.nextDeadline == F.at(11))
        #expect(e.tick(at: F.at(10, 59)).isEmpty)
        let back = e.connect(F.hub, at: F.at(10, 59))
        #expect(back == [.hubTeacherBack(at: F.at(10, 59), leadRestored: false)])
        #expect(e.hubAwaySince == nil)
        #expect(e.effectiveLead == .hub)
        #expect(e.seq == 3)
        #expect(e.nextDeadline == F.at(33))
    }

    @Test func afterGraceTheLeadFallsBackAndReturnsOnReconnect() {
        var e = Self.operational()
        _ = e.disconnect(F.hub, at: F.at(10))
        let fall = e.tick(at: F.at(11, 5))
        #expect(fall == [
            .record(TransitionRecord(
                seq: 4, at: F.at(11),
                from: LessonPoint(status: .running, phaseIndex: 1, phaseID: "operational", lead: .hub, plannedEnd: F.at(35)),
                to: LessonPoint(status: .running, phaseIndex: 1, phaseID: "operational", lead: .local, plannedEnd: F.at(35)),
                by: nil, byRole: nil, why: .fallback)),
            .leadFallback(phaseIndex: 1, at: F.at(11)),
        ])
        #expect(e.effectiveLead == .local)
        #expect(e.fallbackActive)
        #expect(e.classroomsMutedByDefault == false)
        #expect(e.isLeading(F.local("c1")))
        #expect(!e.isLeading(F.hub))
        #expect(e.hubStream == .live)
        // a local teacher may now hand over or extend
        #expect(e.command(.extend(minutes: 1), F.local("c1"), at: F.at(12)).refusal?.code == .invalidValue) // at 30 max
        let back = e.connect(F.hub, at: F.at(20))
        #expect(back == [
            .record(TransitionRecord(
                seq: 5, at: F.at(20),
                from: LessonPoint(status: .running, phaseIndex: 1, phaseID: "operational", lead: .local, plannedEnd: F.at(35)),
                to: LessonPoint(status: .running, phaseIndex: 1, phaseID: "operational", lead: .hub, plannedEnd: F.at(35)),
                by: "hub-1", byRole: .hubTeacher, why: .leadRestored)),
            .hubTeacherBack(at: F.at(20), leadRestored: true),
        ])
        #expect(e.effectiveLead == .hub)
        #expect(e.classroomsMutedByDefault)
    }

    @Test func fallbackFlagsClassroomsWithoutTheirLocalTeacher() {
        var e = Self.operational()
        _ = e.disconnect(F.local("c2"), at: F.at(8)) // in a hub-led phase: no flag
        #expect(e.flagged.isEmpty)
        _ = e.disconnect(F.hub, at: F.at(10))
        let fall = e.tick(at: F.at(11))
        #expect(fall.last == .classroomFlagged("c2", since: F.at(11)))
        let back = e.connect(F.hub, at: F.at(12))
        #expect(back.last == .classroomUnflagged("c2", at: F.at(12)))
        #expect(e.flagged.isEmpty)
    }

    @Test func hubReturnsAfterThePhaseEnded() {
        var e = Self.operational()
        _ = e.disconnect(F.hub, at: F.at(30))
        _ = e.tick(at: F.at(31))
        #expect(e.fallbackActive)
        let handoff = e.tick(at: F.at(35))
        #expect(records(handoff).map(\.why) == [.scheduled])
        #expect(records(handoff)[0].from.lead == .local)
        #expect(records(handoff)[0].to.lead == .local)
        #expect(e.fallbackActive == false)
        #expect(e.hubAwaySince == nil)
        #expect(e.connect(F.hub, at: F.at(36)).isEmpty)
        #expect(e.effectiveLead == .local)
        #expect(e.phaseIndex == 2)
    }

    @Test func hubAbsentWhenAHubPhaseStartsCountsFromThePhaseStart() {
        var e = F.running(hubConnected: false)
        #expect(e.hubAwaySince == nil) // organisation is local-led
        let actions = e.tick(at: F.at(5))
        #expect(actions.last == .hubTeacherAway(since: F.at(5), graceUntil: F.at(6)))
        let fall = e.tick(at: F.at(6))
        #expect(records(fall).map(\.why) == [.fallback])
    }

    @Test func severalConnectionsOfTheHubTeacherCount() {
        var e = Self.operational()
        _ = e.connect(F.hub, at: F.at(9)) // second device
        #expect(e.disconnect(F.hub, at: F.at(10)).isEmpty)
        #expect(e.hubTeacherPresent)
        #expect(e.disconnect(F.hub, at: F.at(11)) == [.hubTeacherAway(since: F.at(11), graceUntil: F.at(12))])
        // an unmatched disconnect does nothing
        #expect(e.disconnect(F.hub, at: F.at(11, 1)).isEmpty)
    }

    @Test func hubDropDuringPauseStillCountsGraceInWallTime() {
        var e = Self.operational()
        _ = e.command(.pause, F.hub, at: F.at(10))
        #expect(e.disconnect(F.hub, at: F.at(11)) == [.hubTeacherAway(since: F.at(11), graceUntil: F.at(12))])
        #expect(e.nextDeadline == F.at(12))
        #expect(records(e.tick(at: F.at(12))).map(\.why) == [.fallback])
        #expect(e.status == .paused)
        #expect(e.nextDeadline == nil)
    }

    @Test func hubDropInALocalPhaseIsNotAnnounced() {
        var e = Self.operational()
        _ = e.tick(at: F.at(35))
        #expect(e.disconnect(F.hub, at: F.at(36)).isEmpty)
        #expect(e.hubAwaySince == nil)
    }

    @Test func localTeacherDropInALocalPhaseFlagsTheClassroom() {
        var e = F.running()
        _ = e.connect(F.local("c1"), at: F.at(0, 10))
        _ = e.connect(F.screen, at: F.at(0, 10))
        #expect(e.flagged.isEmpty)
        #expect(e.disconnect(F.local("c1"), at: F.at(1)) == [.classroomFlagged("c1", since: F.at(1))])
        #expect(e.snapshot(at: F.at(1, 30)).flaggedClassrooms == [FlaggedClassroom(classroomID: "c1", since: F.at(1))])
        #expect(e.connect(F.local("c1"), at: F.at(2)) == [.classroomUnflagged("c1", at: F.at(2))])
        #expect(e.flagged.isEmpty)
    }

    @Test func flagsFollowTheLeadAcrossPhases() {
        var e = Self.operational()
        _ = e.disconnect(F.local("c1"), at: F.at(20))
        #expect(e.flagged.isEmpty)
        let refl = e.tick(at: F.at(35))
        #expect(refl.last == .classroomFlagged("c1", since: F.at(35)))
        _ = e.command(.end, F.hub, at: F.at(40))
        #expect(e.flagged.isEmpty)
    }

    @Test func expectedClassroomsAreFlaggedWithoutEverConnecting() {
        var e = F.lobby(F.config(classrooms: ["c1", "c9"]))
        _ = e.connect(F.local("c1"), at: F.at(-5))
        let step = e.command(.start, F.hub, at: F.t0)
        #expect(step.actions.last == .classroomFlagged("c9", since: F.t0))
        #expect(e.knownClassrooms == ["c1", "c9"])
    }

    @Test func smallGroupLessonHasNoFallback() {
        var e = F.running(F.config(plan: .smallGroupLesson))
        #expect(e.effectiveLead == .hub)
        #expect(e.disconnect(F.hub, at: F.at(5)) == [.hubTeacherAway(since: F.at(5), graceUntil: nil)])
        #expect(e.nextDeadline == F.at(38))
        _ = e.tick(at: F.at(20))
        #expect(e.effectiveLead == .hub)
        #expect(e.fallbackActive == false)
        #expect(e.connect(F.hub, at: F.at(21)) == [.hubTeacherBack(at: F.at(21), leadRestored: false)])
    }

    @Test func zeroGraceFallsBackOnTheSameInstant() {
        var e = Self.operational(grace: .zero)
        _ = e.disconnect(F.hub, at: F.at(10))
        #expect(e.nextDeadline == F.at(10))
        #expect(records(e.tick(at: F.at(10))).map(\.why) == [.fallback])
    }
}
