import Testing
@testable import TirekCore

@Suite("Lesson transitions")
struct LessonTransitionTests {
    typealias F = LessonFixture

    @Test func scheduledToLobbyAtLobbyTime() {
        var e = LessonEngine(config: F.config())
        #expect(e.status == .scheduled)
        #expect(e.nextDeadline == F.at(-10))
        #expect(e.tick(at: F.at(-10) - Millis(1)).isEmpty)
        #expect(e.status == .scheduled)
        let actions = e.tick(at: F.at(-10))
        #expect(actions == [.record(TransitionRecord(
            seq: 1, at: F.at(-10), from: LessonPoint(status: .scheduled), to: LessonPoint(status: .lobby),
            by: nil, byRole: nil, why: .lobbyOpened))])
        #expect(e.status == .lobby)
        #expect(e.nextDeadline == nil) // no auto-start in this config
    }

    @Test func startByHubTeacherFromLobby() {
        var e = F.lobby()
        let step = e.command(.start, F.hub, at: F.at(-2))
        #expect(step.refusal == nil)
        #expect(step.actions == [.record(TransitionRecord(
            seq: 2, at: F.at(-2), from: LessonPoint(status: .lobby),
            to: LessonPoint(status: .running, phaseIndex: 0, phaseID: "organisation", lead: .local, plannedEnd: F.at(3)),
            by: "hub-1", byRole: .hubTeacher, why: .started))])
        #expect(e.phaseIndex == 0)
        #expect(e.phaseStartedAt == F.at(-2))
        #expect(e.plannedEnd == F.at(3))
        #expect(e.startedAt == F.at(-2))
        #expect(e.nextDeadline == F.at(1)) // 2-minute warning
    }

    @Test func startByAdminAndByLocalTeacherWhenFirstPhaseIsLocal() {
        var a = F.lobby()
        #expect(a.command(.start, F.admin, at: F.t0).refusal == nil)
        #expect(a.status == .running)
        var l = F.lobby()
        let localStart = l.command(.start, F.local("c1"), at: F.t0)
        #expect(localStart.refusal == nil)
        #expect(localStart.records.map(\.byRole) == [.localTeacher])
        #expect(localStart.records.map(\.by) == ["lt-c1"])
        // operational-only plan: the hub teacher leads phase 1, a local teacher may not start it
        var o = F.lobby(F.config(plan: .streamingLesson(operationalOnly: true)))
        var before = o
        _ = before.tick(at: F.t0)
        let step = o.command(.start, F.local("c1"), at: F.t0)
        #expect(step.refusal == Refusal(.forbidden, "local_teacher may not start a lesson whose first phase the hub teacher leads"))
        #expect(o == before)
    }

    @Test func startBeforeLobbyAndDuplicateStartRefused() {
        var e = LessonEngine(config: F.config())
        var before = e
        #expect(e.command(.start, F.hub, at: F.at(-20)).refusal == Refusal(.invalidState, "the lobby is not open yet"))
        before.now = F.at(-20)
        #expect(e == before)
        var r = F.running()
        let snapshot = r
        let step = r.command(.start, F.hub, at: F.t0)
        #expect(step == LessonStep(actions: [], refusal: Refusal(.invalidState, "the lesson has already started")))
        #expect(r == snapshot)
    }

    @Test func autoStartAtScheduledStartPlusDelayEvenIfTickIsLate() {
        var e = LessonEngine(config: F.config(autoStartAfter: .minutes(2)))
        _ = e.tick(at: F.at(-10))
        #expect(e.nextDeadline == F.at(2))
        let actions = e.tick(at: F.at(2, 15))
        let recs = records(actions)
        #expect(recs.map(\.why) == [.autoStarted])
        #expect(recs[0].at == F.at(2))
        #expect(recs[0].by == nil)
        #expect(recs[0].who == "system")
        #expect(e.phaseStartedAt == F.at(2))
        #expect(e.plannedEnd == F.at(7))
        #expect(e.now == F.at(2, 15))
    }

    @Test func automaticHandoffAtPlannedEnd() {
        var e = F.running()
        #expect(records(e.tick(at: F.at(4, 59))).isEmpty)
        #expect(e.phaseIndex == 0)
        let recs = records(e.tick(at: F.at(5)))
        #expect(recs == [TransitionRecord(
            seq: 3, at: F.at(5),
            from: LessonPoint(status: .running, phaseIndex: 0, phaseID: "organisation", lead: .local, plannedEnd: F.at(5)),
            to: LessonPoint(status: .running, phaseIndex: 1, phaseID: "operational", lead: .hub, plannedEnd: F.at(35)),
            by: nil, byRole: nil, why: .scheduled)])
        #expect(e.phaseIndex == 1)
        #expect(e.effectiveLead == .hub)
    }

    @Test func lateTickHandsOverAtThePlannedInstantNotTheTickInstant() {
        var e = F.running()
        _ = e.tick(at: F.at(6, 30))
        #expect(e.phaseIndex == 1)
        #expect(e.phaseStartedAt == F.at(5))
        #expect(e.plannedEnd == F.at(35))
    }

    @Test func oneTickAfterTheWholeLessonCatchesUpInOrderWithoutStaleWarnings() {
        var e = F.running()
        let actions = e.tick(at: F.at(100))
        #expect(warnings(actions).isEmpty)
        let recs = records(actions)
        #expect(recs.map(\.at) == [F.at(5), F.at(35), F.at(45)])
        #expect(recs.map(\.to.status) == [.running, .running, .ended])
        #expect(recs.map(\.to.phaseIndex) == [1, 2, nil])
        #expect(recs.allSatisfy { $0.why == .scheduled })
        #expect(recs.map(\.seq) == [3, 4, 5])
        #expect(e.status == .ended)
        #expect(e.endedAt == F.at(45))
        #expect(e.nextDeadline == nil)
    }

    @Test func lastPhaseEndsTheLesson() {
        var e = F.running()
        _ = e.tick(at: F.at(44, 59))
        #expect(e.phaseIndex == 2)
        let recs = records(e.tick(at: F.at(45)))
        #expect(recs.count == 1)
        #expect(recs[0].from.phaseID == "reflection")
        #expect(recs[0].to == LessonPoint(status: .ended))
        #expect(recs[0].why == .scheduled)
    }

    @Test(arguments: [LessonStatus.scheduled, .lobby, .running, .paused])
    func endEarlyFromEveryState(_ state: LessonStatus) {
        var e = LessonEngine(config: F.config())
        _ = e.connect(F.hub, at: F.at(-30))
        if state != .scheduled { _ = e.tick(at: F.at(-10)) }
        if state == .running || state == .paused { _ = e.command(.start, F.hub, at: F.t0) }
        if state == .paused { _ = e.command(.pause, F.hub, at: F.at(1)) }
        #expect(e.status == state)
        let seq = e.seq
        let endAt = state == .scheduled ? F.at(-20) : F.at(2)
        let step = e.command(.end, F.admin, at: endAt)
        #expect(step.refusal == nil)
        let recs = step.records
        #expect(recs.count == 1)
        #expect(recs[0].why == .endedEarly)
        #expect(recs[0].from.status == state)
        #expect(recs[0].to == LessonPoint(status: .ended))
        #expect(recs[0].by == "admin-1")
        #expect(recs[0].seq == seq + 1)
        #expect(e.status == .ended)
        #expect(e.endedAt == endAt)
        #expect(e.lessonPausedTotal == (state == .paused ? .minutes(1) : .zero))
        // once ended, nothing fits
        let ended = e
        for kind: LessonCommand.Kind in [.start, .handOver, .extend(minutes: 1), .pause, .resume, .end] {
            #expect(e.command(kind, F.hub, at: F.at(3)).refusal?.code == .invalidState)
        }
        var expected = ended
        expected.now = F.at(3)
        #expect(e == expected)
    }

    @Test func handOverInLastPhaseEndsTheLesson() {
        var e = F.running()
        _ = e.tick(at: F.at(40))
        let step = e.command(.handOver, F.local("c1"), at: F.at(41))
        #expect(step.refusal == nil)
        #expect(step.records.map(\.why) == [.earlyHandover])
        #expect(step.records[0].to == LessonPoint(status: .ended))
        #expect(e.status == .ended)
        #expect(e.endedAt == F.at(41))
    }

    @Test func eventsEarlierThanNowAreTreatedAsNow() {
        var e = F.running()
        _ = e.tick(at: F.at(10))
        _ = e.command(.pause, F.hub, at: F.at(8))
        #expect(e.pausedAt == F.at(10))
        #expect(e.now == F.at(10))
    }
}
